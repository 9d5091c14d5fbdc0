// What a ranking head trains on, as one list set: the training queries' logged searches, then
// (when asked) their judgment lists. Search valuation (search-valuation.ts) trains on the same
// lists as the head that is fitted (fit-ranking-head.ts), so both read them from here.

import { searchesOf } from './query-split';
import type { TrainingLists } from './ranking-head';
import type { GainLists, SearchTask } from './search-task';

/** The training queries' logged searches, then (when asked) their judgment lists, as one list set. */
export function trainingLists(task: SearchTask, trainQueries: Int32Array, withJudgments: boolean): TrainingLists {
  const searchRows = searchesOf(task.searchQuery, trainQueries, task.queryTexts.length);
  const judgedRows = (withJudgments ? Array.from(trainQueries) : []).filter((q) => task.judgments.start[q + 1]! > task.judgments.start[q]!);
  const parts: { from: GainLists; row: number; query: number }[] = [
    ...Array.from(searchRows, (s) => ({ from: task.searches, row: s, query: task.searchQuery[s]! })),
    ...judgedRows.map((q) => ({ from: task.judgments, row: q, query: q })),
  ];
  const start = new Int32Array(parts.length + 1);
  parts.forEach((p, r) => (start[r + 1] = start[r]! + p.from.start[p.row + 1]! - p.from.start[p.row]!));
  const item = new Int32Array(start[parts.length]!);
  const gain = new Float32Array(start[parts.length]!);
  parts.forEach((p, r) => {
    const from = p.from.start[p.row]!;
    const to = p.from.start[p.row + 1]!;
    item.set(p.from.item.subarray(from, to), start[r]!);
    gain.set(p.from.gain.subarray(from, to), start[r]!);
  });
  return { lists: { start, item, gain }, rows: Int32Array.from(parts.keys()), listQuery: Int32Array.from(parts, (p) => p.query) };
}
