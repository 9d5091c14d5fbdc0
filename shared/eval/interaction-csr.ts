// Per-user CSR views of an InteractionTable: the "seen" items to exclude from a ranking and the
// held-out "targets" (with graded relevance) to score it against. Rows keep time order (ties by
// row order) so the same CSR doubles as a UserSequences.

import type { InteractionTable, UserSequences } from '../data/types';

/** Held-out items per user; `relevance` (aligned with `items`) defaults to 1 for every target. */
export interface TargetSets extends UserSequences {
  readonly relevance?: Float32Array;
}

/** Group a table's rows by user (time order within a user) into CSR with optional relevance. */
export function userCsrFromInteractions(table: InteractionTable, numUsers: number): Required<TargetSets> {
  const counts = new Int32Array(numUsers + 1);
  for (let row = 0; row < table.length; row++) {
    const user = table.user[row]!;
    if (!(user >= 0 && user < numUsers)) {
      throw new RangeError(`interactions row ${row}: user ${user} is outside 0..${numUsers - 1}; pass the dataset's numUsers`);
    }
    counts[user + 1]!++;
  }
  const offsets = new Int32Array(numUsers + 1);
  for (let user = 0; user < numUsers; user++) offsets[user + 1] = offsets[user]! + counts[user + 1]!;
  // Stable order: rows sorted by (user, ts, row).
  const order = new Int32Array(table.length);
  for (let row = 0; row < table.length; row++) order[row] = row;
  order.sort((a, b) => table.user[a]! - table.user[b]! || table.ts[a]! - table.ts[b]! || a - b);
  const items = new Int32Array(table.length);
  const relevance = new Float32Array(table.length);
  for (let p = 0; p < order.length; p++) {
    items[p] = table.item[order[p]!]!;
    relevance[p] = table.relevance[order[p]!]!;
  }
  return { offsets, items, relevance };
}
