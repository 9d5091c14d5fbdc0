// Graded relevance from the event type (view 0, click 1, cart 2, purchase 3: the index in
// EVENT_TYPES). An impression is a shown-not-clicked negative only if the same search did not
// lead to a positive on that item; otherwise the impression is superseded by the positive.
import type { Reject } from '../rejects';
import type { RawEventTable } from '../raw-events';
import { EVENT_TYPES } from '../types';

const VIEW = EVENT_TYPES.indexOf('view');

export function relevanceOfType(type: Uint8Array): Float32Array {
  return Float32Array.from(type);
}

/** Clears keep[i] for impressions (view with a search and a position) whose item the search went on to engage. */
export function dropSupersededImpressions(events: RawEventTable, keep: Uint8Array): Reject[] {
  const c = events.columns();
  const engaged = new Set<string>();
  for (let i = 0; i < c.length; i++) {
    if (keep[i] && c.type[i] !== VIEW && c.searchId[i]! >= 0) engaged.add(`${c.searchId[i]}|${c.user[i]}|${c.item[i]}`);
  }
  const rejects: Reject[] = [];
  if (engaged.size === 0) return rejects;
  for (let i = 0; i < c.length; i++) {
    if (!keep[i] || c.type[i] !== VIEW || c.searchId[i]! < 0 || c.position[i]! < 0) continue;
    if (engaged.has(`${c.searchId[i]}|${c.user[i]}|${c.item[i]}`)) {
      keep[i] = 0;
      rejects.push(events.rejectRow(i, 'impression-superseded', 'the same search clicked/carted/bought this item; the positive event carries the label'));
    }
  }
  return rejects;
}
