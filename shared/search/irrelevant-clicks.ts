// Planted search noise with ground truth: a share of the logged clicks (results with gain > 0)
// are moved to an item the task's judgments give no relevance for the search's query — a click
// on an irrelevant item, the typical noise of search logs. Only meaningful where the judgments
// are the whole relevance (the synthetic shop's planted relevance: every item of the query's
// category is judged, every other item is irrelevant).

import { Random } from '../random';
import type { SearchTask } from './search-task';

export interface PlantedClicks {
  readonly task: SearchTask;
  /** per entry of task.searches: 1 where the click was moved to an irrelevant item */
  readonly noisy: Uint8Array;
}

export function plantIrrelevantClicks(task: SearchTask, share: number, seed: number): PlantedClicks {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`irrelevant clicks: share ${share} must be in [0, 1]`);
  const { start, item, gain } = task.searches;
  const positives: number[] = [];
  for (let p = 0; p < item.length; p++) if (gain[p]! > 0) positives.push(p);
  const rng = new Random(seed);
  const picked = rng.sampleIndices(positives.length, Math.round(share * positives.length));
  const noisy = new Uint8Array(item.length);
  const moved = item.slice();
  const searchOf = new Int32Array(item.length);
  for (let s = 0; s < task.searchQuery.length; s++) searchOf.fill(s, start[s]!, start[s + 1]!);
  const numItems = task.itemIds.length;
  for (const k of picked) {
    const p = positives[k]!;
    const s = searchOf[p]!;
    const q = task.searchQuery[s]!;
    const relevant = new Set(task.judgments.item.subarray(task.judgments.start[q]!, task.judgments.start[q + 1]!));
    const inSearch = new Set(moved.subarray(start[s]!, start[s + 1]!));
    if (relevant.size + inSearch.size >= numItems) throw new RangeError(`irrelevant clicks: query '${task.queryTexts[q]}' leaves no irrelevant item outside its search to click`);
    let drawn: number;
    do drawn = rng.int(numItems);
    while (relevant.has(drawn) || inSearch.has(drawn));
    moved[p] = drawn;
    noisy[p] = 1;
  }
  return { task: { ...task, searches: { start, item: moved, gain } }, noisy };
}
