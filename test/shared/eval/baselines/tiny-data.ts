// Small deterministic inputs for the baseline tests.
import type { InteractionTable } from '../../../../shared/data/types';
import { seededRandom } from '../../../support/random';

export { seededRandom };


/** An InteractionTable from (user, item) pairs, one row each, relevance 1. */
export function interactions(pairs: readonly (readonly [number, number])[]): InteractionTable {
  const length = pairs.length;
  return {
    length,
    user: Int32Array.from(pairs, (pair) => pair[0]),
    item: Int32Array.from(pairs, (pair) => pair[1]),
    ts: Float64Array.from(pairs, (_, row) => row),
    type: new Uint8Array(length),
    session: new Int32Array(length).fill(-1),
    relevance: new Float32Array(length).fill(1),
    query: new Int32Array(length).fill(-1),
  };
}

/** Random binary user × item pairs with density `density`, plus a few duplicate rows. */
export function randomPairs(numUsers: number, numItems: number, density: number, seed: number): [number, number][] {
  const random = seededRandom(seed);
  const pairs: [number, number][] = [];
  for (let user = 0; user < numUsers; user++) {
    for (let item = 0; item < numItems; item++) if (random() < density) pairs.push([user, item]);
  }
  pairs.push(...pairs.slice(0, 3));
  return pairs;
}

/** Reference inverse by Gauss–Jordan elimination with partial pivoting (O(n³), plain arrays). */
export function gaussJordanInverse(matrix: Float64Array, n: number): Float64Array {
  const a = Array.from({ length: n }, (_, i) => [
    ...Array.from(matrix.subarray(i * n, (i + 1) * n)),
    ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  ]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    for (let c = 0; c < 2 * n; c++) a[col]![c]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      for (let c = 0; c < 2 * n; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return Float64Array.from(a.flatMap((row) => row.slice(n)));
}
