// Small random unit vectors around prototypes, for search tests that plant a relation the text
// embeddings do not show (the zero-shot cosine at chance) and check that training finds it.
import type { Matrix } from '../../shared/data/types';
import type { Random } from '../../shared/random';

export const DIM = 16;

/** A unit vector: `around` (or the origin) plus uniform noise of half-width `spread` per coordinate. */
export function unit(rng: Random, around?: Float32Array, spread = 1): Float32Array {
  const v = Float32Array.from({ length: DIM }, (_, d) => (around ? around[d]! : 0) + spread * (2 * rng.next() - 1));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The rows as one row-major matrix. */
export function matrix(rows: Float32Array[]): Matrix {
  const data = new Float32Array(rows.length * DIM);
  rows.forEach((row, r) => data.set(row, r * DIM));
  return { rows: rows.length, cols: DIM, data };
}
