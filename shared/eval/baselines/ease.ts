// EASE^R (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019):
//   P = (XᵀX + λI)⁻¹,   B = I − P · diagMat(1 / diag(P))   i.e. B_ij = −P_ij / P_jj, B_jj = 0
//   score(u, ·) = x_u · B
// The inverse is dense items × items (n³ flops), so on large catalogues EASE is fitted on the
// `maxItems` most frequent items only; the others score −∞ (never recommended). That restriction
// is part of the result so reports can print it next to the metrics.

import { z } from 'zod';
import type { BatchScorer } from '../evaluate';
import type { BinaryUserItem } from './binary-user-item';
import { invertSpd } from './spd-inverse';

export const easeConfigSchema = z.object({
  /** ridge strength λ (Steck reports 200–1000 on ML-20M / Netflix / MSD) */
  lambda: z.number().positive().default(500),
  /**
   * keep the most frequent items only: the inverse's cost grows with the cube of maxItems, and
   * the default is what fits in about a minute (docs/decisions/0013-ease-item-limit.md)
   */
  maxItems: z.number().int().positive().default(3000),
});
export type EaseConfig = z.input<typeof easeConfigSchema>;

export interface EaseRestriction {
  readonly itemsKept: number;
  readonly itemsTotal: number;
  /** train interactions whose item is kept, of all train interactions */
  readonly interactionsCovered: number;
  readonly interactionsTotal: number;
}

export interface EaseModel {
  readonly name: 'ease';
  readonly lambda: number;
  readonly restriction: EaseRestriction;
  /** kept item indices, ascending; slot s of `weights` is item keptItems[s] */
  readonly keptItems: Int32Array;
  /** B over kept items, keptItems.length² row-major, float32 */
  readonly weights: Float32Array;
  readonly fitSeconds: number;
  readonly scorer: BatchScorer;
}

export function buildEase(matrix: BinaryUserItem, config: EaseConfig = {}): EaseModel {
  const { lambda, maxItems } = easeConfigSchema.parse(config);
  const started = performance.now();
  const { numUsers, numItems, userOffsets, userItems, itemOffsets } = matrix;
  const keptItems = mostFrequentItems(itemOffsets, numItems, maxItems);
  const size = keptItems.length;
  const slotOf = new Int32Array(numItems).fill(-1);
  for (let s = 0; s < size; s++) slotOf[keptItems[s]!] = s;

  // Gram matrix G = XᵀX + λI over kept items, one user's co-occurrences at a time.
  const gram = new Float64Array(size * size);
  const userSlots = new Int32Array(size);
  let covered = 0;
  for (let user = 0; user < numUsers; user++) {
    let count = 0;
    for (let q = userOffsets[user]!; q < userOffsets[user + 1]!; q++) {
      const slot = slotOf[userItems[q]!]!;
      if (slot >= 0) userSlots[count++] = slot;
    }
    covered += count;
    for (let a = 0; a < count; a++) {
      const row = userSlots[a]! * size;
      for (let b = 0; b < count; b++) gram[row + userSlots[b]!]! += 1;
    }
  }
  for (let s = 0; s < size; s++) gram[s * size + s]! += lambda;

  const inverse = invertSpd(gram, size);
  const weights = new Float32Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) weights[i * size + j] = i === j ? 0 : -inverse[i * size + j]! / inverse[j * size + j]!;
  }

  const scorer: BatchScorer = async (users) => {
    const scores = new Float32Array(users.length * numItems).fill(Number.NEGATIVE_INFINITY);
    const row = new Float32Array(size);
    for (let r = 0; r < users.length; r++) {
      const user = users[r]!;
      if (!(user >= 0 && user < numUsers)) throw new RangeError(`ease scorer: user ${user} outside 0..${numUsers - 1}`);
      row.fill(0);
      for (let q = userOffsets[user]!; q < userOffsets[user + 1]!; q++) {
        const slot = slotOf[userItems[q]!]!;
        if (slot < 0) continue;
        const from = slot * size;
        for (let j = 0; j < size; j++) row[j]! += weights[from + j]!;
      }
      const base = r * numItems;
      for (let s = 0; s < size; s++) scores[base + keptItems[s]!] = row[s]!;
    }
    return scores;
  };
  return {
    name: 'ease',
    lambda,
    restriction: { itemsKept: size, itemsTotal: numItems, interactionsCovered: covered, interactionsTotal: userItems.length },
    keptItems,
    weights,
    fitSeconds: (performance.now() - started) / 1000,
    scorer,
  };
}

/** The `limit` items with the most distinct users (ties → lower index), returned ascending. */
function mostFrequentItems(itemOffsets: Int32Array, numItems: number, limit: number): Int32Array {
  const order = new Int32Array(numItems);
  for (let item = 0; item < numItems; item++) order[item] = item;
  const degree = (item: number) => itemOffsets[item + 1]! - itemOffsets[item]!;
  order.sort((a, b) => degree(b) - degree(a) || a - b);
  return order.slice(0, Math.min(limit, numItems)).sort();
}
