// The implicit-feedback matrix X (users × items, x_ui = 1 when u interacted with i in train) that
// every baseline is built from, stored twice as CSR — by user and by item — with duplicates
// removed and indices ascending, so neighbour counts and co-occurrences need no hashing.

import type { InteractionTable } from '../../data/types';

export interface BinaryUserItem {
  readonly numUsers: number;
  readonly numItems: number;
  /** userOffsets[u]..userOffsets[u+1] indexes userItems: u's distinct items, ascending */
  readonly userOffsets: Int32Array;
  readonly userItems: Int32Array;
  /** itemOffsets[i]..itemOffsets[i+1] indexes itemUsers: i's distinct users, ascending */
  readonly itemOffsets: Int32Array;
  readonly itemUsers: Int32Array;
}

/** Build X from train interactions; relevance ≤ 0 rows (explicit negatives) are left out. */
export function binaryUserItem(train: InteractionTable, numUsers: number, numItems: number): BinaryUserItem {
  const keys: number[] = [];
  for (let row = 0; row < train.length; row++) {
    const user = train.user[row]!;
    const item = train.item[row]!;
    if (!(user >= 0 && user < numUsers)) throw new RangeError(`train row ${row}: user ${user} outside 0..${numUsers - 1}`);
    if (!(item >= 0 && item < numItems)) throw new RangeError(`train row ${row}: item ${item} outside 0..${numItems - 1}`);
    if (!(train.relevance[row]! > 0)) continue;
    keys.push(user * numItems + item);
  }
  // user·numItems + item stays below 2^53 for any realistic catalogue, so a Float64Array sort is exact.
  const sorted = Float64Array.from(keys).sort();
  const pairsUser: number[] = [];
  const pairsItem: number[] = [];
  for (let p = 0; p < sorted.length; p++) {
    if (p > 0 && sorted[p] === sorted[p - 1]) continue;
    const key = sorted[p]!;
    const user = Math.floor(key / numItems);
    pairsUser.push(user);
    pairsItem.push(key - user * numItems);
  }
  const userOffsets = offsetsFromCounts(pairsUser, numUsers);
  const userItems = Int32Array.from(pairsItem);
  // Transpose by counting sort: scanning users in ascending order keeps each item's users ascending.
  const itemOffsets = offsetsFromCounts(pairsItem, numItems);
  const itemUsers = new Int32Array(pairsItem.length);
  const cursor = itemOffsets.slice(0, numItems);
  for (let p = 0; p < pairsItem.length; p++) itemUsers[cursor[pairsItem[p]!]!++] = pairsUser[p]!;
  return { numUsers, numItems, userOffsets, userItems, itemOffsets, itemUsers };
}

function offsetsFromCounts(keys: readonly number[], size: number): Int32Array {
  const offsets = new Int32Array(size + 1);
  for (const key of keys) offsets[key + 1]!++;
  for (let index = 0; index < size; index++) offsets[index + 1]! += offsets[index]!;
  return offsets;
}
