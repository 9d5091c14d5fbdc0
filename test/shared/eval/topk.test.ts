import { describe, expect, it } from 'vitest';
import { topKExcludingSeen } from '../../../shared/eval/topk';
import { seededRandom } from '../../support/random';


/** Reference: sort all unseen items by (score desc, index asc) and take K. */
function naiveTopK(row: Float32Array, excluded: Set<number>, k: number): number[] {
  return [...row.keys()]
    .filter((item) => !excluded.has(item))
    .sort((a, b) => row[b]! - row[a]! || a - b)
    .slice(0, k);
}

describe('topKExcludingSeen', () => {
  it('equals a full sort with seen items removed, ties to the lower index', () => {
    const random = seededRandom(7);
    const numItems = 300;
    const users = Int32Array.from([4, 0, 2, 1]);
    const scores = new Float32Array(users.length * numItems);
    // Few distinct values, so many ties straddle the K-th place.
    for (let p = 0; p < scores.length; p++) scores[p] = Math.floor(random() * 12) / 4;
    const seenLists = [[5, 6, 7], [], [0, 1, 2, 3, 3, 3], [299], [10, 20, 30]];
    const offsets = Int32Array.from([0, 3, 3, 9, 10, 13]);
    const seen = { offsets, items: Int32Array.from(seenLists.flat()) };
    for (const k of [1, 10, 57]) {
      const block = topKExcludingSeen({ scores, numItems, users, seen, k });
      for (let row = 0; row < users.length; row++) {
        const rowScores = scores.subarray(row * numItems, (row + 1) * numItems);
        const expected = naiveTopK(rowScores, new Set(seenLists[users[row]!]), k);
        expect(Array.from(block.items.subarray(row * k, (row + 1) * k))).toEqual(expected);
        expect(Array.from(block.scores.subarray(row * k, (row + 1) * k))).toEqual(expected.map((item) => rowScores[item]));
      }
    }
  });

  it('pads with -1 / -Infinity when fewer than K items are unseen', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.5]);
    const seen = { offsets: Int32Array.from([0, 1]), items: Int32Array.from([1]) };
    const block = topKExcludingSeen({ scores, numItems: 3, users: Int32Array.from([0]), seen, k: 4 });
    expect(Array.from(block.items)).toEqual([2, 0, -1, -1]);
    expect(Array.from(block.scores)).toEqual([0.5, Math.fround(0.1), -Infinity, -Infinity]);
  });

  it('refuses NaN scores and names the user and item', () => {
    const scores = Float32Array.from([0.1, Number.NaN]);
    expect(() => topKExcludingSeen({ scores, numItems: 2, users: Int32Array.from([3]), k: 1 })).toThrow(/user 3, item 1/);
  });

  it('refuses a score block whose size does not match users × items', () => {
    expect(() => topKExcludingSeen({ scores: new Float32Array(5), numItems: 2, users: Int32Array.from([0, 1]), k: 1 })).toThrow(
      /expected users.length × numItems/,
    );
  });
});
