import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAmazonBeauty } from '../../../shared/data/adapters/amazon-beauty';
import { loadEsciUbi } from '../../../shared/data/adapters/esci-ubi';
import { loadMl100k } from '../../../shared/data/adapters/ml-100k';
import { loadSource } from '../../../shared/data/load';
import { preprocess } from '../../../shared/data/preprocess/preprocess';
import { sequencesOf } from '../../../shared/data/preprocess/sequences';
import { LimitsSchema, parseDataSourceConfig } from '../../../shared/data/source-config';
import { EVENT_TYPES } from '../../../shared/data/types';
import { NOW, REAL_DATA, tempDir } from './helpers';

const limits = LimitsSchema.parse({});

/** The first `lines` lines of a real file, under the same name in a temp folder. */
function slice(dataset: string, files: Record<string, number>): string {
  const dir = tempDir();
  for (const [name, lines] of Object.entries(files)) {
    const text = readFileSync(join(REAL_DATA, dataset, name), 'utf8').split('\n').slice(0, lines).join('\n');
    writeFileSync(join(dir, name), `${text}\n`);
  }
  return dir;
}

describe('ml-100k adapter', () => {
  it('maps ratings to event types and builds item text from title, year and genres (slice)', async () => {
    const dir = slice('ml-100k', { 'ml-100k.item': 1683, 'ml-100k.inter': 501 });
    const raw = await loadMl100k(dir, limits, NOW);
    expect(raw.rejects).toEqual([]);
    expect(raw.events.length).toBe(500);
    const c = raw.events.columns();
    // first data row: 196 242 3 881250949 → click
    expect(raw.events.users.values[c.user[0]!]).toBe('196');
    expect(raw.events.items.values[c.item[0]!]).toBe('242');
    expect(EVENT_TYPES[c.type[0]!]).toBe('click');
    expect(c.ts[0]).toBe(881250949);
    const { dataset } = await preprocess(raw);
    expect(dataset.itemText[0]).toBe("Toy Story 1995 Animation Children's Comedy");
  });

  it('rejects a rating outside 1–5 at its line', async () => {
    const dir = slice('ml-100k', { 'ml-100k.item': 20 });
    writeFileSync(join(dir, 'ml-100k.inter'), 'user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t1\t5\t881250949\n1\t2\t7\t881250949\n1\t999\t4\t881250949\n');
    const raw = await loadMl100k(dir, limits, NOW);
    expect(raw.rejects.map((r) => [r.line, r.field, r.reason])).toEqual([
      [3, 'rating', 'out-of-range'],
      [4, 'item_id', 'unknown-item'],
    ]);
    expect(raw.events.length).toBe(1);
  });

  it('loads the full file: 100,000 events, 943 users, 1,682 items', async () => {
    const raw = await loadSource(parseDataSourceConfig({ format: 'ml-100k', path: join(REAL_DATA, 'ml-100k'), nowSeconds: NOW }));
    const { dataset, summary } = await preprocess(raw);
    expect(summary.rejects).toBe(0);
    expect(dataset.train.length + dataset.valid.length + dataset.test.length).toBe(100_000);
    expect(dataset.numUsers).toBe(943);
    expect(dataset.numItems).toBe(1682);
    const seq = sequencesOf(dataset.train, dataset.numUsers);
    expect(seq.offsets[943]).toBe(dataset.train.length);
  }, 30_000);
});

describe('amazon-beauty adapter', () => {
  it('treats lines as purchases ordered by position in each user sequence (slice)', async () => {
    const dir = slice('amazon-beauty', { 'beauty.txt': 300 });
    const raw = await loadAmazonBeauty(dir, limits);
    expect(raw.events.length).toBe(300);
    const { dataset } = await preprocess(raw, { split: { mode: 'leave-last-out' } });
    const lines = readFileSync(join(REAL_DATA, 'amazon-beauty', 'beauty.txt'), 'utf8').split('\n').slice(0, 300).map((l) => l.split(' '));
    const user0 = lines.filter(([u]) => u === lines[0]![0]).map(([, i]) => i);
    const u = dataset.userIds.indexOf(lines[0]![0]!);
    const testRow = Array.from(dataset.test.user).indexOf(u);
    expect(dataset.itemIds[dataset.test.item[testRow]!]).toBe(user0[user0.length - 1]);
    expect(dataset.train.type.every((t) => EVENT_TYPES[t] === 'purchase')).toBe(true);
  });
});

describe('esci-ubi adapter', () => {
  it('reads queries, impressions with positions, clicks and carts, and grades judgments (the 3,921-record sample)', async () => {
    const dir = slice('esci-ubi', { 'ubi_queries_events.ndjson': 7842 });
    writeFileSync(join(dir, 'esci_us_judgments.json'), readFileSync(join(REAL_DATA, 'esci-ubi', 'esci_us_judgments.json')));
    const raw = await loadEsciUbi(dir, limits, NOW);
    const { dataset, summary } = await preprocess(raw);
    const all = [dataset.train, dataset.valid, dataset.test];
    const count = (type: string) => all.reduce((n, t) => n + t.type.filter((x) => EVENT_TYPES[x] === type).length, 0);
    expect(count('view')).toBeGreaterThan(1000);
    expect(count('click')).toBeGreaterThan(100);
    expect(count('cart')).toBeGreaterThan(100);
    // shown-not-clicked impressions are 0-relevance negatives with a query and a position
    const t = dataset.train;
    const negative = Array.from(t.type).findIndex((x, i) => x === 0 && t.query[i]! >= 0);
    expect(t.relevance[negative]).toBe(0);
    expect(t.position![negative]).toBeGreaterThanOrEqual(0);
    expect(dataset.queries[t.query[negative]!]!.length).toBeGreaterThan(0);
    expect(summary.rejectsByReason['not-an-item-event']).toBeGreaterThan(0);
    expect(summary.rejectsByReason['impression-superseded']).toBeGreaterThan(0);
    // judgments: 100/10/1/0 → 3/2/1/0
    const j = dataset.judgments!;
    expect(j.length).toBe(6678);
    expect(new Set(j.relevance)).toEqual(new Set([0, 1, 2, 3]));
    expect(dataset.queries[j.query[0]!]).toBe('t towels kitchen');
    expect(dataset.itemIds[j.item[0]!]).toBe('B07NCQWCQS');
    expect(j.relevance[0]).toBe(3);
  });
});
