// Per-interaction contexts for valuation and quarantine scoring: for train interaction j of
// user u, the items u interacted with before j (time order), newest last, at most `maxLen`.
import type { InteractionTable, UserSequences } from '../../data/types';
import { timeOrder } from '../../ml/finetune';

export function contextsBefore(table: InteractionTable, numUsers: number, rows: Int32Array, maxLen: number): UserSequences {
  const t = timeOrder(table, numUsers);
  const offsets = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) {
    const j = rows[r]!;
    const start = t.userStart[table.user[j]!]!;
    offsets[r + 1] = offsets[r]! + Math.min(maxLen, t.rank[j]! - start);
  }
  const items = new Int32Array(offsets[rows.length]!);
  for (let r = 0; r < rows.length; r++) {
    const j = rows[r]!;
    const end = t.rank[j]!;
    const count = offsets[r + 1]! - offsets[r]!;
    items.set(t.items.subarray(end - count, end), offsets[r]!);
  }
  return { offsets, items };
}

/** Every row index 0..n-1. */
export function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** A seeded, sorted sample of at most `max` row indices (all of them when n ≤ max). */
export function sampleRows(n: number, max: number, seed: number): Int32Array {
  if (n <= max) return allRows(n);
  const idx = allRows(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < max; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = i + (s % (n - i));
    const tmp = idx[i]!; idx[i] = idx[j]!; idx[j] = tmp;
  }
  return idx.slice(0, max).sort();
}
