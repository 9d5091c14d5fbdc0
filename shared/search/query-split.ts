// Queries split three ways (train / validation / test) by a seeded shuffle of distinct query
// texts, so no test query's text was seen in training or in choosing settings.

import { Random } from '../random';

export interface QuerySplit {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

export function splitQueries(queryCount: number, seed: number, validationShare = 0.2, testShare = 0.2): QuerySplit {
  if (!(validationShare >= 0 && testShare >= 0 && validationShare + testShare < 1)) {
    throw new RangeError(`query split: validation ${validationShare} + test ${testShare} must be ≥ 0 and leave a training share`);
  }
  const order = Int32Array.from({ length: queryCount }, (_, q) => q);
  const rng = new Random(seed);
  for (let i = queryCount - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const testCount = Math.round(queryCount * testShare);
  const validationCount = Math.round(queryCount * validationShare);
  const sorted = (a: Int32Array) => a.slice().sort();
  return {
    test: sorted(order.subarray(0, testCount)),
    validation: sorted(order.subarray(testCount, testCount + validationCount)),
    train: sorted(order.subarray(testCount + validationCount)),
  };
}

/** Rows of `task.searches` whose query is in `queries`. */
export function searchesOf(searchQuery: Int32Array, queries: Int32Array, queryCount: number): Int32Array {
  const member = new Uint8Array(queryCount);
  for (const q of queries) member[q] = 1;
  const rows: number[] = [];
  searchQuery.forEach((q, s) => {
    if (member[q]) rows.push(s);
  });
  return Int32Array.from(rows);
}
