import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readDelimited } from '../../../shared/data/read/delimited';
import { readJsonl } from '../../../shared/data/read/jsonl';
import { readLines } from '../../../shared/data/read/lines';
import { DataFileError } from '../../../shared/data/rejects';
import { collectAll, writeTemp } from './helpers';

describe('CSV/TSV reader', () => {
  it('parses RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', async () => {
    const file = writeTemp('items.csv', 'id,title\r\n1,"a, b"\r\n2,"say ""hi"""\n3,"two\nlines"\n4,plain\n');
    const rows = await collectAll(readDelimited(file));
    const values = rows.map((r) => ('values' in r ? r.values.title : r.reject.reason));
    expect(values).toEqual(['a, b', 'say "hi"', 'two\nlines', 'plain']);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4, 6]);
  });

  it('reads RecBole `name:type` headers by name', async () => {
    const file = writeTemp('x.inter', 'user_id:token\titem_id:token\trating:float\n7\t9\t5\n');
    const [row] = await collectAll(readDelimited(file, { requiredColumns: ['user_id', 'item_id', 'rating'] }));
    expect(row && 'values' in row && row.values).toEqual({ user_id: '7', item_id: '9', rating: '5' });
  });

  it('fails the whole file on a missing column, naming the file, the column and the header found', async () => {
    const file = writeTemp('events.csv', 'user,item,kind\n1,2,view\n');
    const error = await collectAll(readDelimited(file, { requiredColumns: ['user', 'item', 'type'] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain("'type'");
    expect((error as Error).message).toContain('[user, item, kind]');
  });

  it('fails an empty file with a clear error', async () => {
    const file = writeTemp('empty.csv', '');
    const error = (await collectAll(readDelimited(file)).catch((e: unknown) => e)) as DataFileError;
    expect(error.reason).toBe('empty-file');
    expect(error.message).toContain('empty');
  });

  it('rejects a row with a wrong column count and keeps the others', async () => {
    const file = writeTemp('e.csv', 'a,b\n1,2\n3\n4,5\n');
    const rows = await collectAll(readDelimited(file));
    expect(rows.filter((r) => 'values' in r).length).toBe(2);
    const bad = rows.find((r) => 'reject' in r);
    expect(bad && 'reject' in bad && bad.reject).toMatchObject({ line: 3, reason: 'wrong-column-count', excerpt: '3' });
  });

  it('rejects a non-UTF-8 row with its line and byte offset, keeping the rows around it', async () => {
    const bytes = Buffer.concat([Buffer.from('id,title\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n3,fine\n')]);
    const file = writeTemp('latin1.csv', bytes);
    const rows = await collectAll(readDelimited(file));
    expect(rows.filter((r) => 'values' in r).map((r) => 'values' in r && r.values.id)).toEqual(['1', '3']);
    const bad = rows.find((r) => 'reject' in r);
    expect(bad && 'reject' in bad && bad.reject).toMatchObject({ file, line: 3, reason: 'invalid-utf8' });
    expect(bad && 'reject' in bad && bad.reject.detail).toContain('byte 19');
  });

  it('rejects a 10 MB text field as field-too-long instead of crashing', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const file = writeTemp('big.csv', `id,title\n1,short\n2,${big}\n3,also short\n`);
    const rows = await collectAll(readDelimited(file));
    expect(rows.filter((r) => 'values' in r).length).toBe(2);
    const bad = rows.find((r) => 'reject' in r);
    expect(bad && 'reject' in bad && bad.reject).toMatchObject({ line: 3, field: 'title', reason: 'field-too-long' });
    expect(bad && 'reject' in bad && bad.reject.excerpt.length).toBeLessThan(300);
  });

  it('honours a configured max field length', async () => {
    const file = writeTemp('f.csv', 'id,title\n1,abcdef\n2,abc\n');
    const rows = await collectAll(readDelimited(file, { maxFieldLength: 4 }));
    const bad = rows.find((r) => 'reject' in r);
    expect(bad && 'reject' in bad && bad.reject).toMatchObject({ line: 2, field: 'title', reason: 'field-too-long' });
  });
});

describe('line reader', () => {
  it('skips an over-long line without buffering it and reports line-too-long', async () => {
    const file = writeTemp('l.txt', `a\n${'y'.repeat(5000)}\nb\n`);
    const lines = await collectAll(readLines(file, { maxLineBytes: 100 }));
    expect(lines.map((l) => ('text' in l ? l.text : l.error))).toEqual(['a', 'line-too-long', 'b']);
  });
});

describe('JSONL reader', () => {
  const content = '{"a":1}\n{"a":2}\nnot json\n{"a":3}\n';

  it('reads plain and gzip files identically and rejects invalid JSON with its line', async () => {
    const plain = await collectAll(readJsonl(writeTemp('x.jsonl', content)));
    const gz = await collectAll(readJsonl(writeTemp('x.jsonl.gz', gzipSync(content))));
    for (const rows of [plain, gz]) {
      expect(rows.filter((r) => 'value' in r).map((r) => 'value' in r && r.value.a)).toEqual([1, 2, 3]);
      const bad = rows.find((r) => 'reject' in r);
      expect(bad && 'reject' in bad && bad.reject).toMatchObject({ line: 3, reason: 'invalid-json', excerpt: 'not json' });
    }
  });

  it('a truncated gzip fails naming the file and byte offset, after yielding the rows before the break', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: 'z'.repeat(i % 50) })).join('\n');
    const full = gzipSync(lines);
    const file = writeTemp('cut.jsonl.gz', full.subarray(0, Math.floor(full.length * 0.6)));
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const row of readJsonl(file)) if ('value' in row) seen.push(row.value.i as number);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as DataFileError).reason).toBe('truncated-gzip');
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/byte offset \d+/);
    expect((error as DataFileError).byteOffset).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(100);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
  });
});
