// Where a user's target (held-out) items land in the full ranking of all unseen items, in the
// ranking order of topk.ts (score descending, lower item index first on ties), without sorting
// the whole catalogue: the T targets are sorted by that order, and every candidate item adds one
// to the rank of each target it precedes — a binary search plus a difference array, so
// O(numItems · log T) per user. Metrics such as MRR and AUC need these exact full-list ranks.

import { nanScoreError, ranksAfter } from './topk';

/**
 * @param scores        the whole score block; the user's row starts at `rowOffset`
 * @param excludedStamp stamp array where excludedStamp[item] === excludedTag marks a seen item
 * @param targets       distinct, unseen target items of this user
 * @param outRanks      receives the 0-based rank of targets[t] at position t
 */
export function rankTargets(
  scores: Float32Array,
  rowOffset: number,
  numItems: number,
  excludedStamp: Int32Array,
  excludedTag: number,
  targets: Int32Array,
  outRanks: Int32Array,
  user: number,
): void {
  const count = targets.length;
  if (count === 0) return;
  // Targets in ranking order: order[p] is the position in `targets` of the p-th best target.
  const order = new Int32Array(count);
  for (let t = 0; t < count; t++) order[t] = t;
  order.sort((a, b) => {
    const itemA = targets[a]!;
    const itemB = targets[b]!;
    return ranksAfter(itemA, scores[rowOffset + itemA]!, itemB, scores[rowOffset + itemB]!) ? 1 : -1;
  });
  const sortedItems = new Int32Array(count);
  const sortedScores = new Float32Array(count);
  for (let p = 0; p < count; p++) {
    sortedItems[p] = targets[order[p]!]!;
    sortedScores[p] = scores[rowOffset + sortedItems[p]!]!;
  }
  const worstItem = sortedItems[count - 1]!;
  const worstScore = sortedScores[count - 1]!;

  // precededFrom[p] counts candidates whose first preceded target (in ranking order) is p.
  const precededFrom = new Int32Array(count + 1);
  for (let item = 0; item < numItems; item++) {
    if (excludedStamp[item] === excludedTag) continue;
    const score = scores[rowOffset + item]!;
    if (score !== score) throw nanScoreError(user, item);
    // Fast path: an item ranking after the worst target precedes no target.
    if (!ranksAfter(worstItem, worstScore, item, score)) continue;
    let low = 0;
    let high = count - 1; // sortedItems[high] is known to be preceded by item
    while (low < high) {
      const mid = (low + high) >> 1;
      if (ranksAfter(sortedItems[mid]!, sortedScores[mid]!, item, score)) high = mid;
      else low = mid + 1;
    }
    precededFrom[low]!++;
  }
  let above = 0;
  for (let p = 0; p < count; p++) {
    above += precededFrom[p]!;
    outRanks[order[p]!] = above;
  }
}
