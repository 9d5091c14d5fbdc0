// Drops users and items with too few events, repeating until both thresholds hold at once
// (the k-core filter of the sequential-recommendation literature, e.g. 5-core Amazon data).
import type { Reject } from '../rejects';
import type { RawEventTable } from '../raw-events';

export function applyMinInteractions(events: RawEventTable, keep: Uint8Array, minUser: number, minItem: number): Reject[] {
  if (minUser <= 1 && minItem <= 1) return [];
  const c = events.columns();
  const userCount = new Int32Array(events.users.size);
  const itemCount = new Int32Array(events.items.size);
  const rejects: Reject[] = [];
  for (;;) {
    userCount.fill(0);
    itemCount.fill(0);
    for (let i = 0; i < c.length; i++) {
      if (!keep[i]) continue;
      userCount[c.user[i]!]!++;
      itemCount[c.item[i]!]!++;
    }
    let removed = 0;
    for (let i = 0; i < c.length; i++) {
      if (!keep[i]) continue;
      const u = userCount[c.user[i]!]!;
      const it = itemCount[c.item[i]!]!;
      if (u < minUser) {
        keep[i] = 0;
        removed++;
        rejects.push(events.rejectRow(i, 'below-min-user-interactions', `user has ${u} events after filtering, fewer than minUserInteractions=${minUser}`, 'user'));
      } else if (it < minItem) {
        keep[i] = 0;
        removed++;
        rejects.push(events.rejectRow(i, 'below-min-item-interactions', `item has ${it} events after filtering, fewer than minItemInteractions=${minItem}`, 'item'));
      }
    }
    if (removed === 0) return rejects;
  }
}
