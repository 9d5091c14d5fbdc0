// One row against a whole catalogue: the dot product of a query (a user's context, a search
// query) with every item row, the scores full ranking and its diagnostics read. A plain loop
// on typed arrays: callers score one row at a time, too little work per call for a kernel.
import type { Matrix } from '../data/types';

/** out[i] = vector · row i of `rows`, for every row (accumulated in double precision, in index order). */
export function dotEveryRow(vector: ArrayLike<number>, rows: Matrix, out: Float32Array | Float64Array): void {
  const d = rows.cols;
  if (vector.length !== d) throw new Error(`dotEveryRow: a vector of ${vector.length} against rows of ${d}`);
  if (out.length < rows.rows) throw new Error(`dotEveryRow: room for ${out.length} scores, ${rows.rows} rows`);
  for (let i = 0; i < rows.rows; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (vector[k] as number) * (rows.data[i * d + k] as number);
    out[i] = s;
  }
}

/** A scorer of row r of `queries` against every row of `items`. */
export function rowDotScorer(queries: Matrix, items: Matrix): (r: number, out: Float32Array) => void {
  const d = queries.cols;
  return (r, out) => dotEveryRow(queries.data.subarray(r * d, (r + 1) * d), items, out);
}
