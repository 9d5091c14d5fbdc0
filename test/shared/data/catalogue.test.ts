import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCanonical } from '../../../shared/data/adapters/canonical';
import { preprocess } from '../../../shared/data/preprocess/preprocess';
import { LimitsSchema } from '../../../shared/data/source-config';
import { NOW, tempDir } from './helpers';

const limits = LimitsSchema.parse({});
const T = 1_700_000_000;

/** Items a..e; events mention a (3×), b (2×), c (1×); d and e are catalogue-only. */
function csvSource() {
  const dir = tempDir();
  const items = join(dir, 'items.csv');
  const events = join(dir, 'events.csv');
  writeFileSync(items, 'id,title,colour\na,A,red\nb,B,blue\nc,C,red\nd,D,green\ne,E,green\n');
  const rows = [['u1', 'a'], ['u1', 'b'], ['u1', 'a'], ['u2', 'a'], ['u2', 'b'], ['u2', 'c']];
  writeFileSync(events, 'user,item,type,timestamp,store\n' + rows.map(([u, it], i) => `${u},${it},purchase,${T + i * 60},s2`).join('\n') + '\n');
  return { name: 'cat', format: 'csv' as const, paths: { events, items }, limits, nowSeconds: NOW };
}

describe('catalogue and columns', () => {
  it('lists the columns it does not read, per file', async () => {
    const source = csvSource();
    const raw = await loadCanonical(source);
    expect(raw.unknownColumns).toEqual({ [source.paths.items]: ['colour'], [source.paths.events]: ['store'] });
    const { summary } = await preprocess(raw, { split: { mode: 'leave-last-out' } });
    expect(summary.unknownColumns[source.paths.events]).toEqual(['store']);
  });

  it('prunes catalogue items no event mentions by default, and counts them', async () => {
    const { dataset, summary } = await preprocess(await loadCanonical(csvSource()), { split: { mode: 'leave-last-out' } });
    expect([...dataset.itemIds].sort()).toEqual(['a', 'b', 'c']);
    expect(summary).toMatchObject({ itemsWithoutEvents: 2, itemsPruned: 2 });
  });

  it('keeps them when pruneItemsWithoutEvents is false', async () => {
    const { dataset, summary } = await preprocess(await loadCanonical(csvSource()), { split: { mode: 'leave-last-out' }, pruneItemsWithoutEvents: false });
    expect(dataset.numItems).toBe(5);
    expect(summary).toMatchObject({ itemsWithoutEvents: 2, itemsPruned: 0 });
  });

  it('maxItems keeps the most frequent items and rejects the events of the rest with a reason', async () => {
    const { dataset, rejects, summary } = await preprocess(await loadCanonical(csvSource()), { split: { mode: 'leave-last-out' }, maxItems: 2 });
    expect([...dataset.itemIds].sort()).toEqual(['a', 'b']);
    expect(rejects.filter((r) => r.reason === 'outside-top-items').map((r) => r.line)).toEqual([7]);
    expect(summary.itemsWithoutEvents).toBe(3);
  });
});
