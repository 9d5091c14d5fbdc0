// Huge or malformed lines must cost one clear reject or one clear error, located, in bounded
// memory: a worker that runs out of memory on bad input fails every retry, and a message
// Temporal cannot carry loses the reason.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS } from '../../../shared/data/bounded-text';
import { readDelimited } from '../../../shared/data/read/delimited';
import { DataFileError } from '../../../shared/data/rejects';
import { InvalidInputError } from '../../../shared/pipeline/errors';
import { loadInChild } from './child-load';
import { collectAll, NOW, tempDir, writeTemp } from './helpers';

const MB = 1024 * 1024;
/** node + tsx + the loader need well under this; a reader that buffers the huge input many times does not */
const PEAK_RSS_BOUND = 400 * MB;
const GOOD_ROW = `u1,i1,view,${NOW - 100}`;

function csvSource(events: string) {
  return { format: 'csv' as const, paths: { events }, nowSeconds: NOW };
}

describe('huge input in bounded memory', () => {
  it('fails a file whose header has a 20 MB cell once, at line 1, naming the setting', () => {
    const dir = tempDir();
    const file = join(dir, 'events.csv');
    // many short rows would each have repeated the whole header in a wrong-column-count reject
    writeFileSync(file, `user,item,type,timestamp,${'h'.repeat(20 * MB)}\n${`${GOOD_ROW}\n`.repeat(500)}`);
    const result = loadInChild(csvSource(file));
    expect(result.error?.name).toBe('DataFileError');
    expect(result.error?.message.startsWith(`${file}:1: `)).toBe(true);
    expect(result.error?.message).toContain('limits.maxHeaderBytes');
    expect(result.error!.message.length).toBeLessThan(file.length + MAX_MESSAGE_CHARS + 100);
    expect(result.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  });

  it('rejects a 20 MB line without a newline as line-too-long and keeps the rows before it', () => {
    const file = writeTemp('events.csv', `user,item,type,timestamp\n${GOOD_ROW}\n${GOOD_ROW.replace('u1', 'u2')}\n${'x'.repeat(20 * MB)}`);
    const result = loadInChild(csvSource(file));
    expect(result.error).toBeUndefined();
    expect(result.accepted).toBe(2);
    expect(result.rejects).toHaveLength(1);
    expect(result.rejects![0]).toMatchObject({ line: 4, reason: 'line-too-long' });
    expect(result.rejects![0]!.detail).toContain('limits.maxLineBytes');
    expect(result.rejects![0]!.excerpt.length).toBeLessThan(300);
    expect(result.accepted! + result.rejects!.length).toBe(result.rowsRead);
    expect(result.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  });

  it('rejects a 20 MB JSONL line without a newline and keeps the good line', () => {
    const good = JSON.stringify({ user: 'u1', item: 'i1', type: 'view', timestamp: NOW - 100 });
    const file = writeTemp('events.jsonl', `${good}\n{"user":"${'u'.repeat(20 * MB)}`);
    const result = loadInChild({ format: 'jsonl', paths: { events: file }, nowSeconds: NOW });
    expect(result.accepted).toBe(1);
    expect(result.rejects).toEqual([expect.objectContaining({ line: 2, reason: 'line-too-long' })]);
    expect(result.accepted! + result.rejects!.length).toBe(result.rowsRead);
    expect(result.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  });

  it('fails a 20 MB CR-only file at its header and says the line breaks are CR-only', () => {
    const file = writeTemp('events.csv', `user,item,type,timestamp\r${`${GOOD_ROW}\r`.repeat(20 * MB / GOOD_ROW.length)}`);
    const result = loadInChild(csvSource(file));
    expect(result.error?.message.startsWith(`${file}:1: `)).toBe(true);
    expect(result.error?.message).toContain('CR-only');
    expect(result.peakRssBytes).toBeLessThan(PEAK_RSS_BOUND);
  });
});

describe('bounded messages', () => {
  it('fails a small CR-only CSV at line 1 with the reason, not the whole file', async () => {
    const file = writeTemp('events.csv', `user,item,type,timestamp\r${GOOD_ROW}\r${GOOD_ROW}\r`);
    const error = (await collectAll(readDelimited(file)).catch((e: unknown) => e)) as DataFileError;
    expect(error).toBeInstanceOf(DataFileError);
    expect(error.reason).toBe('cr-line-breaks');
    expect(error.message).toBe(`${file}:1: the header line contains a carriage return: the file uses CR-only line breaks (classic Mac) — convert them to LF or CRLF`);
  });

  it('names the column count but not the whole header in a wrong-column-count reject', async () => {
    const header = Array.from({ length: 3000 }, (_, i) => `column_${i}`).join(',');
    const file = writeTemp('wide.csv', `${header}\n1,2\n`);
    const [row] = await collectAll(readDelimited(file));
    expect(row && 'reject' in row && row.reject).toMatchObject({ line: 2, reason: 'wrong-column-count' });
    const detail = row && 'reject' in row ? row.reject.detail : '';
    expect(detail).toMatch(/^expected 3000 fields \(column_0, column_1, /);
    expect(detail).toContain('found 2');
    expect(detail.length).toBeLessThan(MAX_DETAIL_CHARS);
  });

  it('clips an input error message to a bound and keeps its location first', () => {
    const error = new InvalidInputError(`bad value ${'v'.repeat(20 * MB)}`, 'events.csv:7');
    expect(error.message.startsWith('events.csv:7: bad value vvv')).toBe(true);
    expect(error.message.length).toBeLessThan(MAX_MESSAGE_CHARS + 100);
    expect(error.message).toContain(`chars, clipped`);
  });
});
