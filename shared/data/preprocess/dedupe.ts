// Exact duplicate events and repeated item ids: the first occurrence wins, every later one
// is reported with the location of the row it duplicates.
import type { Reject } from '../rejects';
import type { LocatedItem, RawEventTable } from '../raw-events';

export function dedupeItems(items: readonly LocatedItem[]): { items: LocatedItem[]; rejects: Reject[] } {
  const first = new Map<string, LocatedItem>();
  const rejects: Reject[] = [];
  for (const located of items) {
    const earlier = first.get(located.item.id);
    if (earlier) {
      rejects.push({
        file: located.file,
        line: located.line,
        field: 'id',
        reason: 'duplicate-item',
        detail: `item '${located.item.id}' already defined at ${earlier.file}:${earlier.line}; the first definition is kept`,
        excerpt: JSON.stringify(located.item),
      });
    } else first.set(located.item.id, located);
  }
  return { items: [...first.values()], rejects };
}

/**
 * Clears keep[i] for every event identical in all fields (user, item, time, type, session,
 * query, position, search) to an earlier kept event.
 */
export function dropDuplicateEvents(events: RawEventTable, keep: Uint8Array): Reject[] {
  const c = events.columns();
  const firstRow = new Map<string, number>();
  const rejects: Reject[] = [];
  for (let i = 0; i < c.length; i++) {
    if (!keep[i]) continue;
    const key = `${c.user[i]}|${c.item[i]}|${c.ts[i]}|${c.type[i]}|${c.session[i]}|${c.query[i]}|${c.position[i]}|${c.searchId[i]}`;
    const earlier = firstRow.get(key);
    if (earlier === undefined) {
      firstRow.set(key, i);
      continue;
    }
    keep[i] = 0;
    const at = `${events.files.values[c.file[earlier]!]}:${c.line[earlier]}`;
    rejects.push(events.rejectRow(i, 'duplicate-event', `exact duplicate of the event at ${at}`));
  }
  return rejects;
}
