import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCanonical } from '../../../shared/data/adapters/canonical';
import { preprocess } from '../../../shared/data/preprocess/preprocess';
import { DataFileError } from '../../../shared/data/rejects';
import { LimitsSchema } from '../../../shared/data/source-config';
import { NOW, tempDir } from './helpers';

const limits = LimitsSchema.parse({});
const T = 1_700_000_000;

function source(itemsCsv: string | undefined, events: object[]) {
  const dir = tempDir();
  const eventsPath = join(dir, 'events.jsonl');
  writeFileSync(eventsPath, events.map((e) => JSON.stringify(e)).join('\n'));
  let itemsPath: string | undefined;
  if (itemsCsv !== undefined) {
    itemsPath = join(dir, 'items.csv');
    writeFileSync(itemsPath, itemsCsv);
  }
  return { name: 't', format: 'jsonl' as const, paths: { events: eventsPath, items: itemsPath }, limits, nowSeconds: NOW };
}

describe('row validation', () => {
  const items = ['id,title,price', 'A,Good item,10', 'B,Not a number,NaN', 'C,Negative,-3', 'D,Free,', 'E,Word price,abc'].join('\n');
  const events = [
    { user: 'u1', item: 'A', type: 'view', timestamp: T }, // line 1 ok
    { user: 'u1', item: 'D', type: 'purchase', timestamp: T + 60 }, // 2 ok
    { user: 'u1', item: 'Z', type: 'view', timestamp: T + 120 }, // 3 unknown item
    { user: 'u2', item: 'A', type: 'like', timestamp: T }, // 4 bad enum
    { user: 'u2', item: 'A', type: 'click', timestamp: '2999-01-01T00:00:00Z' }, // 5 future
    { user: 'u2', item: 'A', type: 'click', timestamp: 86_400 }, // 6 1970
    { user: 'u2', item: 'A', type: 'click', timestamp: 'yesterday' }, // 7 unparseable
    { item: 'A', type: 'click', timestamp: T }, // 8 missing user
    { user: 'u2', item: 'A', type: 'click', timestamp: T, position: 'top' }, // 9 wrong type
    { user: 'u3', item: 'A', type: 'cart', timestamp: `${(T + 5) * 1000}` }, // 10 ms string: ok
  ];

  it('puts every bad row in the rejects with file, line, field and reason, and keeps every valid row', async () => {
    const cfg = source(items, events);
    const raw = await loadCanonical(cfg);
    const where = raw.rejects.map((r) => [r.file === cfg.paths.items ? 'items' : 'events', r.line, r.field, r.reason]);
    expect(where).toEqual([
      ['items', 3, 'price', 'wrong-type'],
      ['items', 4, 'price', 'out-of-range'],
      ['items', 6, 'price', 'wrong-type'],
      ['events', 3, 'item', 'unknown-item'],
      ['events', 4, 'type', 'invalid-value'],
      ['events', 5, 'timestamp', 'future-timestamp'],
      ['events', 6, 'timestamp', 'timestamp-before-1990'],
      ['events', 7, 'timestamp', 'wrong-type'],
      ['events', 8, 'user', 'missing-field'],
      ['events', 9, 'position', 'wrong-type'],
    ]);
    expect(raw.rejects.every((r) => r.excerpt.length > 0 && r.detail.length > 0)).toBe(true);
    expect(raw.items.map((i) => i.item.id)).toEqual(['A', 'D']);
    expect(raw.items[1]!.item.price).toBeUndefined();
    expect(raw.events.length).toBe(3);
    expect(Array.from(raw.events.columns().line)).toEqual([1, 2, 10]);
    expect(raw.events.columns().ts[2]).toBe(T + 5);

    const { summary, rejects } = await preprocess(raw);
    expect(rejects.length).toBe(10);
    expect(summary.rejectsByReason).toEqual({
      'future-timestamp': 1,
      'invalid-value': 1,
      'missing-field': 1,
      'out-of-range': 1,
      'timestamp-before-1990': 1,
      'unknown-item': 1,
      'wrong-type': 4,
    });
    expect(summary.eventsKept).toBe(3);
  });

  it('without an item table, any item id is accepted', async () => {
    const raw = await loadCanonical(source(undefined, events.slice(0, 3)));
    expect(raw.events.length).toBe(3);
    expect(raw.rejects).toEqual([]);
  });

  it('a CSV events file missing a required column fails as a whole, naming file, column and header', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.csv');
    writeFileSync(path, 'user,item,timestamp\n1,2,1700000000\n');
    const error = await loadCanonical({ name: 't', format: 'csv', paths: { events: path }, limits }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toMatch(new RegExp(`${path}.*'type'.*\\[user, item, timestamp\\]`));
  });

  it('an empty events file is a clear error, not an empty dataset', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, '');
    await expect(loadCanonical({ name: 't', format: 'jsonl', paths: { events: path }, limits })).rejects.toThrow(/empty/);
  });
});
