// Hostile files, generated: random bytes, broken quotes, CR/LF mixes, fields just under and
// over the bound, wrong column counts and broken JSON lines, run through every reader and the
// loaders' row validation. Whatever the input, a reader answers in bounded space, every reject
// and every error names its file and line, and no row is lost: accepted + rejected = read.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCanonical } from '../../../shared/data/adapters/canonical';
import { loadMl100k } from '../../../shared/data/adapters/ml-100k';
import { MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS } from '../../../shared/data/bounded-text';
import { readDelimited } from '../../../shared/data/read/delimited';
import { readJsonl } from '../../../shared/data/read/jsonl';
import { DataFileError, EXCERPT_CHARS, type Reject } from '../../../shared/data/rejects';
import { LimitsSchema } from '../../../shared/data/source-config';
import type { RawDataset } from '../../../shared/data/raw-events';
import { tempDir } from './helpers';

const SEED = 20_260_122;
const RUNS = 400;
/** small bounds, so "huge" fields and lines are cheap to generate and still cross them */
const limits = LimitsSchema.parse({ maxFieldLength: 64, maxLineBytes: 512, maxHeaderBytes: 256 });
const NOW = Date.UTC(2026, 0, 1) / 1000;
let cases = 0;
/** what the corpus provoked: a corpus that never accepts, rejects or fails a file tests nothing */
const seen = { accepted: 0, rejected: 0, fileErrors: 0 };

const FIELD = fc.oneof(
  fc.constantFrom('u1', 'i1', 'view', 'purchase', '2024-01-02T03:04:05Z', '1700000000', '', '-1', 'NaN'),
  fc.string({ maxLength: 12 }),
  fc.string({ minLength: 60, maxLength: 700 }), // around and over maxFieldLength / maxLineBytes
  fc.constantFrom('"', '"unclosed', 'a"b', '""', '"x""y"', '\t', ',', '\r', '\n', '\r\n'),
);
const EOL = fc.constantFrom('\n', '\r\n', '\r', '\n\r', '');
const BYTES = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));

/** well-formed rows among the broken ones, so the accepting path is fuzzed too */
function goodRow(delimiter: string, ml100k = false): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(50), fc.nat(28), fc.constantFrom('\n', '\r\n')).map(([n, day, eol]) =>
    (ml100k ? [`u${n}`, '1', String(1 + (n % 5)), String(1_700_000_000 + n * 3600)] : [`u${n}`, `i${n}`, 'view', `2024-01-${String(day + 1).padStart(2, '0')}T00:00:00Z`]).join(delimiter) + eol,
  );
}

function delimitedLine(delimiter: string): fc.Arbitrary<string> {
  return fc.tuple(fc.array(FIELD, { minLength: 0, maxLength: 7 }), EOL).map(([cells, eol]) => cells.join(delimiter) + eol);
}

/** a header (sometimes broken), then rows of any column count, with random bytes mixed in */
function delimitedFile(delimiter: string): fc.Arbitrary<Buffer> {
  const header = fc.oneof(
    fc.constant(['user', 'item', 'type', 'timestamp'].join(delimiter) + '\n'),
    fc.constant(['user', 'item', 'type', 'timestamp', 'session', 'query'].join(delimiter) + '\r\n'),
    delimitedLine(delimiter),
  );
  const part = fc.oneof({ weight: 4, arbitrary: delimitedLine(delimiter).map((s) => Buffer.from(s)) }, { weight: 3, arbitrary: goodRow(delimiter).map((s) => Buffer.from(s)) }, { weight: 1, arbitrary: BYTES });
  return fc.tuple(header, fc.array(part, { maxLength: 25 })).map(([h, parts]) => Buffer.concat([Buffer.from(h), ...parts]));
}

const JSON_LINE = fc.oneof(
  goodRow(',').map((row) => { const [user, item, type, timestamp] = row.trim().split(','); return JSON.stringify({ user, item, type, timestamp }); }),
  fc.record({ user: FIELD, item: FIELD, type: FIELD, timestamp: fc.oneof(FIELD, fc.integer()) }).map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 3 }),
  fc.record({ user: FIELD }).map((o) => JSON.stringify(o).slice(0, -1)), // cut short
  fc.string({ maxLength: 40 }).map((s) => `{"user": "${s}`),
  FIELD,
);
const jsonlFile = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.tuple(JSON_LINE, EOL).map(([l, e]) => Buffer.from(l + e)) }, { weight: 1, arbitrary: BYTES }), { maxLength: 25 })
  .map((parts) => Buffer.concat(parts));

/** clipText's head plus its `… (N chars, clipped)` suffix */
const clipped = (max: number) => max + 32;

/** What every reject must be: located in its file at a real line, and small whatever the input. */
function expectBoundedReject(reject: Reject, file: string): void {
  expect(reject.file).toBe(file);
  expect(Number.isInteger(reject.line) && reject.line >= 1, `line ${reject.line}`).toBe(true);
  expect(reject.reason.length).toBeGreaterThan(0);
  expect(reject.detail.length).toBeLessThanOrEqual(clipped(MAX_DETAIL_CHARS));
  expect(reject.excerpt.length).toBeLessThanOrEqual(clipped(EXCERPT_CHARS));
}

/** A thrown error must be a file error naming the file (and the line it stopped at, where rows were read), short. */
function expectLocatedError(error: unknown, file: string): void {
  seen.fileErrors += 1;
  expect(error, String(error)).toBeInstanceOf(DataFileError);
  const e = error as DataFileError;
  expect(e.file).toBe(file);
  expect(e.message.startsWith(file)).toBe(true);
  expect(e.message.length).toBeLessThanOrEqual(file.length + MAX_MESSAGE_CHARS + 32);
  if (e.reason !== 'empty-file') expect(e.line, `${e.reason}: ${e.message}`).toBeGreaterThanOrEqual(1);
}

/** accepted + rejected = read, for the events file; every reject located and bounded. */
function expectAccounted(raw: RawDataset, file: string): void {
  const rejected = raw.rejects.filter((r) => r.file === file);
  for (const r of raw.rejects) expectBoundedReject(r, r.file);
  seen.accepted += raw.events.length;
  seen.rejected += rejected.length;
  expect(raw.events.length + rejected.length).toBe(raw.rowsRead[file]);
}

async function check(property: fc.IAsyncProperty<[Buffer]>): Promise<void> {
  await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
}

/** a fresh folder per case: tempDir's folders are removed after each test */
function fileOf(dir: string | undefined, name: string, bytes: Buffer): string {
  dir ??= tempDir();
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  cases += 1;
  return file;
}

describe('fuzzed malformed files through every reader', () => {
  const dir = undefined;
  afterAll(() => console.log(`fuzz corpus: ${cases} generated files (seed ${SEED}): ${seen.accepted} rows accepted, ${seen.rejected} rejected, ${seen.fileErrors} file errors, all located and bounded`));

  for (const [name, delimiter] of [['events.csv', ','], ['events.tsv', '\t']] as const) {
    it(`readDelimited (${name}): rows in bounded space, every reject located, only located file errors`, async () => {
      await check(fc.asyncProperty(delimitedFile(delimiter), async (bytes) => {
        const file = fileOf(dir, name, bytes);
        try {
          for await (const row of readDelimited(file, { maxFieldLength: limits.maxFieldLength, maxLineBytes: limits.maxLineBytes, maxHeaderBytes: limits.maxHeaderBytes })) {
            if ('reject' in row) {
              expectBoundedReject(row.reject, file);
              continue;
            }
            expect(row.line).toBeGreaterThanOrEqual(2);
            expect(Buffer.byteLength(row.raw)).toBeLessThanOrEqual(limits.maxLineBytes * 2);
            for (const v of Object.values(row.values)) expect(v.length).toBeLessThanOrEqual(limits.maxFieldLength);
          }
        } catch (error) {
          expectLocatedError(error, file);
        }
      }));
    });

    it(`the canonical loader (${name}): accepted + rejected = rows read`, async () => {
      await check(fc.asyncProperty(delimitedFile(delimiter), async (bytes) => {
        const file = fileOf(dir, name, bytes);
        const raw = await loadCanonical({ name: 'fuzz', format: 'csv', paths: { events: file }, limits, nowSeconds: NOW }).catch((e: unknown) => e);
        if (raw instanceof Error) expectLocatedError(raw, file);
        else expectAccounted(raw as RawDataset, file);
      }));
    });
  }

  it('readJsonl: one row or one located reject per non-blank line, in bounded space', async () => {
    await check(fc.asyncProperty(jsonlFile, async (bytes) => {
      const file = fileOf(dir, 'events.jsonl', bytes);
      let rows = 0;
      try {
        for await (const row of readJsonl(file, { maxFieldLength: limits.maxFieldLength, maxLineBytes: limits.maxLineBytes })) {
          rows += 1;
          if ('reject' in row) expectBoundedReject(row.reject, file);
          else expect(Buffer.byteLength(row.raw)).toBeLessThanOrEqual(limits.maxLineBytes);
        }
      } catch (error) {
        expectLocatedError(error, file);
        return;
      }
      expect(rows).toBe(nonBlankLines(bytes));
    }));
  });

  it('the canonical loader (jsonl): accepted + rejected = rows read', async () => {
    await check(fc.asyncProperty(jsonlFile, async (bytes) => {
      const file = fileOf(dir, 'events.jsonl', bytes);
      const raw = await loadCanonical({ name: 'fuzz', format: 'jsonl', paths: { events: file }, limits, nowSeconds: NOW }).catch((e: unknown) => e);
      if (raw instanceof Error) expectLocatedError(raw, file);
      else expectAccounted(raw as RawDataset, file);
    }));
  });

  it('the ml-100k loader (a fuzzed .inter beside a valid .item): accepted + rejected = rows read', async () => {
    const items = 'item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation\n';
    const interHeader = 'user_id:token\titem_id:token\trating:float\ttimestamp:float\n';
    const inter = fc.array(fc.oneof({ weight: 4, arbitrary: delimitedLine('\t').map((s) => Buffer.from(s)) }, { weight: 3, arbitrary: goodRow('\t', true).map((s) => Buffer.from(s)) }, { weight: 1, arbitrary: BYTES }), { maxLength: 25 });
    await check(fc.asyncProperty(inter.map((parts) => Buffer.concat([Buffer.from(interHeader), ...parts])), async (bytes) => {
      const folder = tempDir();
      writeFileSync(path.join(folder, 'ml-100k.item'), items);
      const file = fileOf(folder, 'ml-100k.inter', bytes);
      const raw = await loadMl100k(folder, limits, NOW).catch((e: unknown) => e);
      if (raw instanceof Error) expectLocatedError(raw, file);
      else expectAccounted(raw as RawDataset, file);
    }));
  });

  it('provoked accepted rows, rejects and file errors alike', () => {
    expect(seen.accepted).toBeGreaterThan(100);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.fileErrors).toBeGreaterThan(0);
  });
});

/**
 * The JSONL rows a file holds, counted independently of the reader: physical lines split on
 * LF, a trailing CR dropped, blank ones skipped — except a line over the bound or not UTF-8,
 * which is rejected whatever it holds.
 */
function nonBlankLines(bytes: Buffer): number {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return lines.filter((line) => {
    if (line.length > limits.maxLineBytes) return true;
    try {
      return decoder.decode(line).replace(/\r$/, '').trim() !== '';
    } catch {
      return true;
    }
  }).length;
}
