// Keeps the events of the `maxItems` most frequent items (a catalogue cap: every item becomes
// a class of the output softmax, so a long tail of rare items costs memory and time for
// almost no signal). Ties go to the item seen first, so the cut is deterministic.
import type { Reject } from '../rejects';
import type { RawEventTable } from '../raw-events';

export function keepTopItems(events: RawEventTable, keep: Uint8Array, maxItems: number | undefined): Reject[] {
  if (maxItems === undefined) return [];
  const c = events.columns();
  const count = new Int32Array(events.items.size);
  for (let i = 0; i < c.length; i++) if (keep[i]) count[c.item[i]!]!++;
  const ranked = Array.from({ length: events.items.size }, (_, it) => it)
    .filter((it) => count[it]! > 0)
    .sort((a, b) => count[b]! - count[a]! || a - b);
  if (ranked.length <= maxItems) return [];
  const kept = new Uint8Array(events.items.size);
  for (const it of ranked.slice(0, maxItems)) kept[it] = 1;
  const cutoff = count[ranked[maxItems - 1]!]!;
  const rejects: Reject[] = [];
  for (let i = 0; i < c.length; i++) {
    if (!keep[i] || kept[c.item[i]!]) continue;
    keep[i] = 0;
    rejects.push(events.rejectRow(i, 'outside-top-items', `item has ${count[c.item[i]!]} events; preprocess.maxItems=${maxItems} keeps items with ≥ ${cutoff}`, 'item'));
  }
  return rejects;
}
