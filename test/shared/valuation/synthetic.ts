// Seeded test data for valuation tests: two Gaussian classes in `dim` dimensions, with an
// optional fraction of flipped labels whose indices are returned as ground truth.
import type { LabelledEmbeddings } from '../../../shared/valuation/input';
import { Sfc32 } from '../../../shared/random';

export function gaussianClasses(rows: number, dim: number, seed: number, separation = 2, flipFraction = 0): LabelledEmbeddings & { noisy: Uint8Array } {
  const rng = new Sfc32(seed);
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  const noisy = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = rng.int(2);
    labels[r] = y;
    for (let c = 0; c < dim; c++) data[r * dim + c] = rng.normal() + (c === 0 ? (y === 1 ? separation / 2 : -separation / 2) : 0);
  }
  const flips = Math.round(flipFraction * rows);
  const order = Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let f = 0; f < flips; f++) {
    const i = order[f]!;
    labels[i] = 1 - labels[i]!;
    noisy[i] = 1;
  }
  return { emb: { rows, cols: dim, data }, labels, noisy };
}
