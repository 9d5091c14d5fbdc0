import { describe, expect, it } from 'vitest';
import type { InteractionTable } from '../../shared/data/types';
import { cleanDataCountValues, cleanDataEaseValues, cooccurrenceValues, easeValues, itemUserNoiseOracle, popularityValues, referenceDetection, standardisedWithinUser } from '../../bench/valuation/reference-detectors';

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
    const references = referenceDetection(train, 10, 6, noisy);
    expect(references[0]!.label).toMatch(/popularity/);
    expect(references.find((r) => r.kind === 'oracle')!.quality.auc).toBeGreaterThan(0.95);
  });
});

/** Two tastes of 12 users each (items 0–4 and 5–9), every user with one item of the other taste: the planted one. */
function twoTastes(): { train: InteractionTable; noisy: Uint8Array } {
  const pairs: [number, number][] = [];
  const noisy: number[] = [];
  for (let u = 0; u < 24; u++) {
    const base = u < 12 ? 0 : 5;
    for (let k = 0; k < 4; k++) { pairs.push([u, base + ((u + k) % 5)]); noisy.push(0); }
    pairs.push([u, (base + 5 + (u % 5)) % 10]);
    noisy.push(1);
  }
  return { train: table(pairs), noisy: Uint8Array.from(noisy) };
}

describe('EASE and clean-data references', () => {
  it('EASE ranks the item foreign to each user\'s taste lowest among that user\'s interactions', () => {
    const { train, noisy } = twoTastes();
    const values = easeValues(train, 24, 10);
    for (let u = 0; u < 24; u++) {
      const rows = [0, 1, 2, 3, 4].map((k) => u * 5 + k);
      const planted = rows.find((j) => noisy[j] === 1)!;
      for (const j of rows) if (j !== planted) expect(values[planted]).toBeLessThan(values[j]!);
    }
  });

  it('a model of the clean data never reads the planted rows: moving them changes their own values only', () => {
    const { train, noisy } = twoTastes();
    const before = cleanDataEaseValues(train, 24, 10, noisy);
    const moved = { ...train, item: Int32Array.from(train.item, (i, j) => (noisy[j] ? (i + 3) % 10 : i)) };
    const after = cleanDataEaseValues(moved, 24, 10, noisy);
    for (let j = 0; j < train.length; j++) {
      if (noisy[j]) continue;
      // standardised within the user, so a clean row's value moves only with its user's scale: compare ranks
      const u = train.user[j]!;
      const sameUserClean = Array.from({ length: train.length }, (_, k) => k).filter((k) => train.user[k] === u && !noisy[k]);
      const order = (v: Float64Array) => sameUserClean.map((k) => Math.sign(v[j]! - v[k]!));
      expect(order(after)).toEqual(order(before));
    }
  });

  it('co-occurrence over the counted rows only: uncounted rows neither count nor make histories', () => {
    const { train, noisy } = twoTastes();
    const clean = Uint8Array.from(noisy, (x) => 1 - x);
    const moved = { ...train, item: Int32Array.from(train.item, (i, j) => (noisy[j] ? (i + 3) % 10 : i)) };
    const [before, after] = [train, moved].map((t) => cooccurrenceValues(t, 24, 10, clean));
    for (let j = 0; j < train.length; j++) if (!noisy[j]) expect(after![j]).toBe(before![j]);
    // a planted item was never seen with the user's taste by a clean user
    for (let j = 0; j < train.length; j++) if (noisy[j]) expect(before![j]).toBe(0);
  });

  it('the clean-data counts rank lowest an interaction whose item no clean row has, with nothing a clean user saw it with', () => {
    const { train, noisy } = twoTastes();
    const extended = table([...Array.from(train.user, (u, j): [number, number] => [u, train.item[j]!]), [0, 10]]);
    const values = cleanDataCountValues(extended, 24, 11, Uint8Array.from([...noisy, 1]));
    for (let j = 0; j < train.length; j++) expect(values[train.length]).toBeLessThan(values[j]!);
  });

  it('standardises values within each user, so a user\'s scale does not rank them against another\'s', () => {
    const values = Float64Array.from([1, 2, 3, 10, 20, 30, 5]);
    const users = Int32Array.from([0, 0, 0, 1, 1, 1, 2]);
    const z = standardisedWithinUser(values, users, 3);
    expect(z[0]).toBeCloseTo(z[3]!, 12);
    expect(z[2]).toBeCloseTo(z[5]!, 12);
    expect(z[1]).toBeCloseTo(0, 12);
    // a user with one interaction has no spread: 0, not NaN
    expect(z[6]).toBe(0);
  });
});
