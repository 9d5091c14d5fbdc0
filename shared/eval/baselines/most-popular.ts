// Most-popular baseline: every user gets the same ranking, items ordered by how many distinct
// train users interacted with them (ties → lower item index, by the shared ranking order).

import type { BatchScorer } from '../evaluate';
import type { BinaryUserItem } from './binary-user-item';

export interface MostPopularModel {
  readonly name: 'most-popular';
  /** distinct train users per item */
  readonly popularity: Float32Array;
  readonly scorer: BatchScorer;
}

export function buildMostPopular(matrix: BinaryUserItem): MostPopularModel {
  const popularity = new Float32Array(matrix.numItems);
  for (let item = 0; item < matrix.numItems; item++) popularity[item] = matrix.itemOffsets[item + 1]! - matrix.itemOffsets[item]!;
  const scorer: BatchScorer = async (users) => {
    const scores = new Float32Array(users.length * matrix.numItems);
    for (let row = 0; row < users.length; row++) {
      const user = users[row]!;
      if (!(user >= 0 && user < matrix.numUsers)) throw new RangeError(`most-popular scorer: user ${user} outside 0..${matrix.numUsers - 1}`);
      scores.set(popularity, row * matrix.numItems);
    }
    return scores;
  };
  return { name: 'most-popular', popularity, scorer };
}
