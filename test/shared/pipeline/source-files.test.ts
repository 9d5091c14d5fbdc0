// Which raw files a source reads, checked before anything is stored: a wrong path or an
// incomplete dataset folder is an input error naming the setting, and a folder source never
// picks up files its format does not read.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/pipeline/errors';
import { sourceFilesOf } from '../../../shared/pipeline/steps/source-files';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { segmentFor, assertSafeSegment } from '../../../shared/store/keys';
import { tempDir } from '../data/helpers';

const source = (input: unknown) => parseDataSourceConfig(input);

describe('sourceFilesOf', () => {
  it('names a missing events file and the setting that points at it', async () => {
    const missing = path.join(tempDir(), 'events.csv');
    const error = await sourceFilesOf(source({ format: 'csv', paths: { events: missing } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`source.paths.events: ${missing} does not exist; relative paths are resolved from the spec's folder`);
  });

  it('refuses a folder given as a file', async () => {
    const dir = tempDir();
    const error = await sourceFilesOf(source({ format: 'jsonl', paths: { events: dir } })).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`source.paths.events: ${dir} is not a regular file`);
  });

  it('lists the files an ml-100k folder lacks', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'ml-100k.inter'), 'user_id:token\n');
    const error = await sourceFilesOf(source({ format: 'ml-100k', path: dir })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`source.path: ${dir} has no ml-100k.item; a ml-100k folder needs ml-100k.inter, ml-100k.item (and reads ml-100k.user when present)`);
  });

  it('takes only the files the folder format reads, not the rest of the folder', async () => {
    const dir = tempDir();
    for (const name of ['ml-100k.inter', 'ml-100k.item', 'ml-100k.user', 'id_rsa', 'notes.txt']) writeFileSync(path.join(dir, name), 'x\n');
    mkdirSync(path.join(dir, 'sub'));
    expect(Object.keys(await sourceFilesOf(source({ format: 'ml-100k', path: dir }))).sort()).toEqual(['ml-100k.inter', 'ml-100k.item', 'ml-100k.user']);
  });

  it('accepts file names with spaces and other legal characters', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'my events (v2) données.csv');
    writeFileSync(file, 'user,item,type,timestamp\n');
    expect(await sourceFilesOf(source({ format: 'csv', paths: { events: file } }))).toEqual({ events: file });
  });
});

describe('segmentFor', () => {
  it('turns any file name into a distinct safe key segment and keeps safe names as they are', () => {
    const names = ['ml-100k.inter', 'my events.csv', 'my_events.csv', '..', '../../etc/passwd', '.hidden', 'données.csv', 'x'.repeat(300), ''];
    const segments = names.map(segmentFor);
    for (const s of segments) expect(() => assertSafeSegment('name', s)).not.toThrow();
    expect(new Set(segments).size).toBe(names.length);
    expect(segmentFor('ml-100k.inter')).toBe('ml-100k.inter');
    expect(segmentFor('my events.csv')).toMatch(/^my_events\.csv-[0-9a-f]{12}$/);
  });
});
