// Blocked partial top-K over a score block (B users × numItems, row-major Float32Array) with each
// user's seen items excluded. The ranking order is the project's one ranking order:
//   item a comes before item b  ⇔  score_a > score_b, or score_a = score_b and a < b
// so ties always go to the lower item index and results are reproducible across runs/backends.
// Cost: O(numItems · log K) per user with a size-K min-heap whose root is the current K-th best.

import type { UserSequences } from '../data/types';

/** Top-K of a block: row r holds user users[r]'s K best items, best first. */
export interface TopKBlock {
  readonly k: number;
  /** rows × k item indices; -1 pads rows with fewer than k unseen items */
  readonly items: Int32Array;
  /** rows × k scores aligned with `items`; -Infinity where padded */
  readonly scores: Float32Array;
}

export interface TopKRequest {
  /** B × numItems scores, row r belongs to users[r] */
  readonly scores: Float32Array;
  readonly numItems: number;
  /** the user index of each row; used to look up `seen` */
  readonly users: Int32Array;
  /** items to exclude per user (CSR over user index; duplicates allowed); omit to exclude nothing */
  readonly seen?: UserSequences;
  readonly k: number;
}

export function topKExcludingSeen(request: TopKRequest): TopKBlock {
  const { scores, numItems, users, seen, k } = request;
  const rows = users.length;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topKExcludingSeen: k must be an integer ≥ 1, got ${k}`);
  if (scores.length !== rows * numItems) {
    throw new RangeError(
      `topKExcludingSeen: scores has ${scores.length} values, expected users.length × numItems = ${rows} × ${numItems}`,
    );
  }
  const outItems = new Int32Array(rows * k).fill(-1);
  const outScores = new Float32Array(rows * k).fill(Number.NEGATIVE_INFINITY);
  const heapItems = new Int32Array(k);
  const heapScores = new Float32Array(k);
  const excludedStamp = new Int32Array(numItems).fill(-1);

  for (let row = 0; row < rows; row++) {
    markSeen(excludedStamp, seen, users[row]!, row, numItems);
    const base = row * numItems;
    let size = 0;
    for (let item = 0; item < numItems; item++) {
      if (excludedStamp[item] === row) continue;
      const score = scores[base + item]!;
      if (score !== score) throw nanScoreError(users[row]!, item);
      if (size < k) {
        siftUp(heapItems, heapScores, size, item, score);
        size++;
      } else if (score > heapScores[0]!) {
        // Items arrive in increasing index, so an equal score never displaces the root:
        // the lower index already in the heap wins the tie, as the ranking order demands.
        siftDown(heapItems, heapScores, size, item, score);
      }
    }
    // Pop the worst remaining element into the last free slot until the heap is empty.
    const outBase = row * k;
    for (let slot = size - 1; slot >= 0; slot--) {
      outItems[outBase + slot] = heapItems[0]!;
      outScores[outBase + slot] = heapScores[0]!;
      const lastItem = heapItems[slot]!;
      const lastScore = heapScores[slot]!;
      if (slot > 0) siftDown(heapItems, heapScores, slot, lastItem, lastScore);
    }
  }
  return { k, items: outItems, scores: outScores };
}

/** True when (itemA, scoreA) comes after (itemB, scoreB) in the ranking order. */
export function ranksAfter(itemA: number, scoreA: number, itemB: number, scoreB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && itemA > itemB);
}

/**
 * Stamp the user's seen items with `tag` so a stamp comparison answers "is it excluded?".
 * Returns how many distinct items were stamped (duplicates in `seen` count once).
 */
export function markSeen(stamp: Int32Array, seen: UserSequences | undefined, user: number, tag: number, numItems: number): number {
  if (!seen) return 0;
  const start = seen.offsets[user];
  const end = seen.offsets[user + 1];
  if (start === undefined || end === undefined) {
    throw new RangeError(`seen: user ${user} is outside the CSR (offsets has ${seen.offsets.length} entries, needs numUsers + 1)`);
  }
  let distinct = 0;
  for (let p = start; p < end; p++) {
    const item = seen.items[p]!;
    if (!(item >= 0 && item < numItems)) throw new RangeError(`seen: user ${user} has item ${item}, outside 0..${numItems - 1}`);
    if (stamp[item] !== tag) {
      stamp[item] = tag;
      distinct++;
    }
  }
  return distinct;
}

export function nanScoreError(user: number, item: number): Error {
  return new RangeError(`scorer returned NaN for user ${user}, item ${item}; check the model or baseline that produced the scores`);
}

// Min-heap on the ranking order: the root is the element that ranks last (the K-th best so far).
function siftUp(items: Int32Array, scores: Float32Array, size: number, item: number, score: number): void {
  let child = size;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (!ranksAfter(item, score, items[parent]!, scores[parent]!)) break;
    items[child] = items[parent]!;
    scores[child] = scores[parent]!;
    child = parent;
  }
  items[child] = item;
  scores[child] = score;
}

/** Place (item, score) at the root of a heap of `size` and restore the heap order downwards. */
function siftDown(items: Int32Array, scores: Float32Array, size: number, item: number, score: number): void {
  let parent = 0;
  for (;;) {
    let child = 2 * parent + 1;
    if (child >= size) break;
    const right = child + 1;
    if (right < size && ranksAfter(items[right]!, scores[right]!, items[child]!, scores[child]!)) child = right;
    if (!ranksAfter(items[child]!, scores[child]!, item, score)) break;
    items[parent] = items[child]!;
    scores[parent] = scores[child]!;
    parent = child;
  }
  items[parent] = item;
  scores[parent] = score;
}
