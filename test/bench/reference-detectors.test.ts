import { describe, expect, it } from 'vitest';
import type { InteractionTable } from '../../shared/data/types';
import { cooccurrenceValues, itemUserNoiseOracle, popularityValues, referenceDetection } from '../../bench/valuation/reference-detectors';

function table(pairs: readonly [number, number][]): InteractionTable {
  const n = pairs.length;
  return {
    length: n,
    user: Int32Array.from(pairs, ([u]) => u),
    item: Int32Array.from(pairs, ([, i]) => i),
    ts: Float64Array.from(pairs, (_, j) => j),
    type: new Uint8Array(n),
    session: new Int32Array(n).fill(-1),
    relevance: new Float32Array(n).fill(1),
    query: new Int32Array(n).fill(-1),
  };
}

describe('reference detectors', () => {
  it('values an interaction by its item\'s training count (popularity)', () => {
    expect(Array.from(popularityValues(table([[0, 2], [1, 2], [1, 0], [2, 2]]), 3))).toEqual([3, 3, 1, 3]);
  });

  it('values an interaction by how many other users saw its item together with each of the user\'s other items', () => {
    // user 0: items 0, 1, 2; user 1: 0, 1; user 2: 0, 1, 3; user 3: 2, 4
    const train = table([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1], [2, 3], [3, 2], [3, 4]]);
    const values = cooccurrenceValues(train, 4, 5);
    // (0, item 2): with item 0 no other user, with item 1 no other user → 0
    expect(values[2]).toBe(0);
    // (0, item 0): with item 1 users 1 and 2 (2), with item 2 nobody else (0) → 1
    expect(values[0]).toBe(1);
    // (1, item 1): with item 0 users 0 and 2 → 2
    expect(values[4]).toBe(2);
    // a user with one item has no evidence either way
    expect(cooccurrenceValues(table([[0, 3], [1, 3], [1, 2]]), 2, 4)[0]).toBe(0);
  });

  it('the oracle knows which items and users are noisy but not the interaction itself: its own flag never moves its value', () => {
    // users 0–9 each see items 0–5; item 5 is noisy for every user but user 0
    const pairs: [number, number][] = [];
    for (let u = 0; u < 10; u++) for (let i = 0; i < 6; i++) pairs.push([u, i]);
    const train = table(pairs);
    const noisy = Uint8Array.from(pairs, ([u, i]) => (i === 5 && u > 0 ? 1 : 0));
    const values = itemUserNoiseOracle(train, 10, 6, noisy);
    const at = (u: number, i: number) => values[u * 6 + i]!;
    // item 5's interactions rank below every other item's of the same user
    for (let u = 0; u < 10; u++) for (let i = 0; i < 5; i++) expect(at(u, 5)).toBeLessThan(at(u, i));
    // flipping one interaction's own flag leaves its own value as it was (leave-one-out)
    const flipped = Uint8Array.from(noisy);
    flipped[0 * 6 + 5] = 1;
    expect(itemUserNoiseOracle(train, 10, 6, flipped)[5]).toBeCloseTo(at(0, 5), 12);
    const [popularity, , oracle] = referenceDetection(train, 10, 6, noisy);
    expect(popularity!.label).toMatch(/popularity/);
    expect(oracle!.quality.auc).toBeGreaterThan(0.95);
  });
});
