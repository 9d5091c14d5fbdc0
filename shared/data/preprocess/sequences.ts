// Per-user, time-ordered item sequences (CSR) from an interaction table; the sequence models
// and the leave-last-out evaluation read these.
import type { InteractionTable, UserSequences } from '../types';

/** Row indices of `table` sorted by (user, time, row): a stable per-user time order. */
export function orderByUserTime(user: Int32Array, ts: Float64Array, rows?: Int32Array): Int32Array {
  const order = rows ? Int32Array.from(rows) : Int32Array.from({ length: user.length }, (_, i) => i);
  order.sort((a, b) => user[a]! - user[b]! || ts[a]! - ts[b]! || a - b);
  return order;
}

/**
 * The same rows with each user's order reversed: `ts` becomes minus the row's position in the
 * (user, time) order, so a sequence model reads a user's items newest first and predicts an item
 * from the ones that came after it.
 */
export function reversedTime(table: InteractionTable): InteractionTable {
  const ts = new Float64Array(table.length);
  // the order runs user by user, so minus a row's place in it reverses each user's order alone
  orderByUserTime(table.user, table.ts).forEach((row, k) => { ts[row] = -k; });
  return { ...table, ts };
}

export function sequencesOf(table: InteractionTable, numUsers: number): UserSequences {
  const offsets = new Int32Array(numUsers + 1);
  for (let i = 0; i < table.length; i++) {
    const u = table.user[i]!;
    if (u < 0 || u >= numUsers) throw new RangeError(`sequencesOf: row ${i} has user ${u}, outside 0..${numUsers - 1} (numUsers=${numUsers})`);
    offsets[u + 1]!++;
  }
  for (let u = 0; u < numUsers; u++) offsets[u + 1]! += offsets[u]!;
  const order = orderByUserTime(table.user, table.ts);
  const items = new Int32Array(table.length);
  for (let k = 0; k < order.length; k++) items[k] = table.item[order[k]!]!;
  return { offsets, items };
}
