// The search logs a head trains on after valuation: the lowest-valued clicks leave the logged
// searches (not turned into shown-not-clicked negatives: a dropped click says nothing about the
// item either way). Judgments, the evaluation relevance, are left as they are.

import { selectImportant } from '../valuation/selection';
import type { SearchValues } from './search-valuation';
import type { SearchTask } from './search-task';

/** Entries of the valued clicks outside the top `keep` share by value (ties: the earlier entry is kept), ascending. */
export function droppedClicks(valued: SearchValues, keep: number): Int32Array {
  if (keep === 1) return new Int32Array(0);
  const { quarantine } = selectImportant(valued.values, { keep });
  return Int32Array.from(quarantine, (k) => valued.entries[k]!);
}

/** The task with these entries of task.searches left out of their searches. */
export function withoutClicks(task: SearchTask, entries: Int32Array): SearchTask {
  if (entries.length === 0) return task;
  const { start, item, gain } = task.searches;
  const drop = new Uint8Array(item.length);
  for (const p of entries) {
    if (!(p >= 0 && p < item.length)) throw new RangeError(`withoutClicks: entry ${p} is outside the ${item.length} logged results`);
    drop[p] = 1;
  }
  const rows = task.searchQuery.length;
  const newStart = new Int32Array(rows + 1);
  const newItem = new Int32Array(item.length - entries.length);
  const newGain = new Float32Array(newItem.length);
  let at = 0;
  for (let s = 0; s < rows; s++) {
    for (let p = start[s]!; p < start[s + 1]!; p++) {
      if (drop[p]) continue;
      newItem[at] = item[p]!;
      newGain[at] = gain[p]!;
      at++;
    }
    newStart[s + 1] = at;
  }
  if (at !== newItem.length) throw new RangeError(`withoutClicks: ${entries.length} entries to drop name ${item.length - at} distinct results`);
  return { ...task, searches: { start: newStart, item: newItem, gain: newGain } };
}
