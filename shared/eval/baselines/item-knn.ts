// Item-based top-N recommendation (Deshpande & Karypis, ACM TOIS 2004; Sarwar et al., WWW 2001):
//   sim(i, j) = |U_i ∩ U_j| / sqrt(|U_i| · |U_j|)         cosine on the binary user-item matrix
//   N_k(i)    = the k items j ≠ i with the largest sim(i, j) > 0
//   score(u, j) = Σ_{i ∈ H(u)} sim(i, j) · 1[j ∈ N_k(i)]
// Co-occurrences are counted through the users of each item (sparse), so the cost is
// Σ_u |H(u)|² rather than numItems², and it works for catalogues that do not fit a dense matrix.

import { z } from 'zod';
import type { BatchScorer } from '../evaluate';
import { topKExcludingSeen } from '../topk';
import type { BinaryUserItem } from './binary-user-item';

export const itemKnnConfigSchema = z.object({
  /** neighbours kept per item */
  neighbours: z.number().int().positive().default(100),
});
export type ItemKnnConfig = z.input<typeof itemKnnConfigSchema>;

export interface ItemKnnModel {
  readonly name: 'item-knn';
  readonly neighbours: number;
  /** neighbourOffsets[i]..[i+1] indexes neighbourItems / neighbourWeights: N_k(i), best first */
  readonly neighbourOffsets: Int32Array;
  readonly neighbourItems: Int32Array;
  readonly neighbourWeights: Float32Array;
  readonly scorer: BatchScorer;
}

export function buildItemKnn(matrix: BinaryUserItem, config: ItemKnnConfig = {}): ItemKnnModel {
  const { neighbours } = itemKnnConfigSchema.parse(config);
  const { numItems, userOffsets, userItems, itemOffsets, itemUsers } = matrix;
  const degree = new Float64Array(numItems);
  for (let item = 0; item < numItems; item++) degree[item] = itemOffsets[item + 1]! - itemOffsets[item]!;

  const coCounts = new Float64Array(numItems);
  const touchedStamp = new Int32Array(numItems).fill(-1);
  const touched = new Int32Array(numItems);
  const offsets = new Int32Array(numItems + 1);
  const items: Int32Array[] = [];
  const weights: Float32Array[] = [];
  for (let item = 0; item < numItems; item++) {
    let touchedCount = 0;
    for (let p = itemOffsets[item]!; p < itemOffsets[item + 1]!; p++) {
      const user = itemUsers[p]!;
      for (let q = userOffsets[user]!; q < userOffsets[user + 1]!; q++) {
        const other = userItems[q]!;
        if (other === item) continue;
        if (touchedStamp[other] !== item) {
          touchedStamp[other] = item;
          coCounts[other] = 0;
          touched[touchedCount++] = other;
        }
        coCounts[other]! += 1;
      }
    }
    // Ascending item order makes "lower position first" on ties mean "lower item index first".
    const candidates = touched.slice(0, touchedCount).sort();
    const similarity = new Float32Array(touchedCount);
    for (let c = 0; c < touchedCount; c++) {
      const other = candidates[c]!;
      similarity[c] = coCounts[other]! / Math.sqrt(degree[item]! * degree[other]!);
    }
    const keep = Math.min(neighbours, touchedCount);
    if (keep > 0) {
      const best = topKExcludingSeen({ scores: similarity, numItems: touchedCount, users: new Int32Array(1), k: keep });
      const rowItems = new Int32Array(keep);
      for (let n = 0; n < keep; n++) rowItems[n] = candidates[best.items[n]!]!;
      items.push(rowItems);
      weights.push(best.scores);
    }
    offsets[item + 1] = offsets[item]! + keep;
  }
  const neighbourItems = concatInt32(items, offsets[numItems]!);
  const neighbourWeights = concatFloat32(weights, offsets[numItems]!);

  const scorer: BatchScorer = async (users) => {
    const scores = new Float32Array(users.length * numItems);
    for (let row = 0; row < users.length; row++) {
      const user = users[row]!;
      if (!(user >= 0 && user < matrix.numUsers)) throw new RangeError(`item-knn scorer: user ${user} outside 0..${matrix.numUsers - 1}`);
      const base = row * numItems;
      for (let q = userOffsets[user]!; q < userOffsets[user + 1]!; q++) {
        const seenItem = userItems[q]!;
        for (let n = offsets[seenItem]!; n < offsets[seenItem + 1]!; n++) {
          scores[base + neighbourItems[n]!]! += neighbourWeights[n]!;
        }
      }
    }
    return scores;
  };
  return { name: 'item-knn', neighbours, neighbourOffsets: offsets, neighbourItems, neighbourWeights, scorer };
}

function concatInt32(parts: Int32Array[], total: number): Int32Array {
  const out = new Int32Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function concatFloat32(parts: Float32Array[], total: number): Float32Array {
  const out = new Float32Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
