import { describe, expect, it } from 'vitest';
import { buildPairs, ImplicitConfigSchema, valueImplicitFeedback, type ImplicitInteractions } from '../../../shared/valuation/implicit';
import { knnShapley } from '../../../shared/valuation/knn-shapley';
import { noiseDetectionAuc } from '../../../shared/valuation/detection';
import { Sfc32 } from '../../../shared/random';
import type { Matrix } from '../../../shared/data/types';

/** Items live in 4 topics; each user likes one topic; a spurious click picks an item of another topic. */
function interactions(count: number, seed: number, spuriousFraction: number): { x: ImplicitInteractions; itemEmb: Matrix; spurious: Uint8Array } {
  const rng = new Sfc32(seed);
  const dim = 8;
  const items = 40;
  const itemData = new Float32Array(items * dim);
  for (let i = 0; i < items; i++) for (let c = 0; c < dim; c++) itemData[i * dim + c] = (c % 4 === i % 4 ? 2 : 0) + 0.3 * rng.normal();
  const context = new Float32Array(count * dim);
  const observed = new Int32Array(count);
  const spurious = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const topic = rng.int(4);
    for (let c = 0; c < dim; c++) context[r * dim + c] = (c % 4 === topic ? 2 : 0) + 0.3 * rng.normal();
    spurious[r] = rng.next() < spuriousFraction ? 1 : 0;
    const itemTopic = spurious[r] ? (topic + 1 + rng.int(3)) % 4 : topic;
    observed[r] = itemTopic + 4 * rng.int(10);
  }
  return { x: { context: { rows: count, cols: dim, data: context }, items: observed }, itemEmb: { rows: items, cols: dim, data: itemData }, spurious };
}

describe('implicit feedback valuation', () => {
  it('builds one positive (observed item) and `negatives` sampled other items per interaction, as elementwise products', () => {
    const { x, itemEmb } = interactions(5, 1, 0);
    const pairs = buildPairs(x, itemEmb, ImplicitConfigSchema.parse({ negatives: 3 }), 9);
    expect(pairs.emb.rows).toBe(20);
    expect(Array.from(pairs.labels.subarray(0, 4))).toEqual([1, 0, 0, 0]);
    expect(Array.from(pairs.interactionOf.subarray(4, 8))).toEqual([1, 1, 1, 1]);
    const item = x.items[0]!;
    for (let c = 0; c < 8; c++) expect(pairs.emb.data[c]).toBe(Math.fround(x.context.data[c]! * itemEmb.data[item * 8 + c]!));
  });

  it('gives spurious clicks (items outside the user’s topic) low values', async () => {
    const train = interactions(300, 2, 0.15);
    const valid = interactions(100, 3, 0);
    const values = await valueImplicitFeedback(train.x, valid.x, train.itemEmb, (t, v) => knnShapley(t, v, { k: 5, threads: 1 }), { negatives: 2, seed: 4 });
    expect(values.length).toBe(300);
    expect(noiseDetectionAuc(values, train.spurious)).toBeGreaterThan(0.8);
  });
});
