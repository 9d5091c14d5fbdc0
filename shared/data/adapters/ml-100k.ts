// MovieLens 100K in RecBole atomic files (ml-100k.inter + ml-100k.item, tab-separated,
// `name:type` headers). Ratings become event types by strength of intent:
//   5 → purchase, 4 → cart, 3 → click, 1–2 → view
// so graded relevance (purchase 3 … view 0) keeps the rating order, and 1–2 star ratings act
// as the negatives of a shown-but-not-liked item. Item text = title + release year + genres.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { boundedReject, type Reject } from '../rejects';
import { RawEventTable, type LocatedItem, type RawDataset } from '../raw-events';
import { readDelimited, type DelimitedOptions } from '../read/delimited';
import { coerceCsvRow, RawItemSchema, rawEventSchema, validateRow } from '../schemas';
import type { Limits } from '../source-config';
import type { TimestampSettings } from '../timestamps';
import type { EventType } from '../types';
import { collect } from './canonical';

export const ML100K_RATING_TO_EVENT: Readonly<Record<number, EventType>> = { 1: 'view', 2: 'view', 3: 'click', 4: 'cart', 5: 'purchase' };

const RatingRowSchema = z.object({
  user_id: z.string().min(1),
  item_id: z.string().min(1),
  rating: z.number().int('rating must be an integer 1–5').min(1).max(5),
  timestamp: z.number(),
});

const UserRowSchema = z.object({ user_id: z.string().trim().min(1, 'user id is empty') });

export async function loadMl100k(dir: string, limits: Limits, nowSeconds?: number, timestamps?: TimestampSettings): Promise<RawDataset> {
  const rejects: Reject[] = [];
  const rowsRead: Record<string, number> = {};
  const itemFile = join(dir, 'ml-100k.item');
  const interFile = join(dir, 'ml-100k.inter');
  const opts = { delimiter: '\t', maxFieldLength: limits.maxFieldLength, maxLineBytes: limits.maxLineBytes, maxHeaderBytes: limits.maxHeaderBytes };

  const items: LocatedItem[] = [];
  rowsRead[itemFile] = await collect(itemFile, rejects, async (onRow) => {
    for await (const row of readDelimited(itemFile, { ...opts, requiredColumns: ['item_id', 'movie_title', 'release_year', 'class'] })) {
      onRow();
      if ('reject' in row) { rejects.push(row.reject); continue; }
      const v = row.values;
      const candidate = {
        id: v.item_id,
        title: v.movie_title,
        description: v.release_year || undefined,
        categoryPath: (v.class ?? '').split(' ').filter((g) => g.length > 0),
      };
      const parsed = validateRow(RawItemSchema, candidate, { file: itemFile, line: row.line, raw: row.raw });
      if (parsed.ok) items.push({ item: parsed.data, file: itemFile, line: row.line });
      else rejects.push(parsed.reject);
    }
  });
  const known = new Set(items.map((i) => i.item.id));
  const userFile = join(dir, 'ml-100k.user');
  const knownUsers = existsSync(userFile) ? await readUserIds(userFile, opts, rejects, rowsRead) : undefined;

  const events = new RawEventTable();
  const eventSchema = rawEventSchema({ nowSeconds, timestamps });
  rowsRead[interFile] = await collect(interFile, rejects, async (onRow) => {
    for await (const row of readDelimited(interFile, { ...opts, requiredColumns: ['user_id', 'item_id', 'rating', 'timestamp'] })) {
      onRow();
      if ('reject' in row) { rejects.push(row.reject); continue; }
      const origin = { file: interFile, line: row.line, raw: row.raw };
      const rating = validateRow(RatingRowSchema, coerceCsvRow(row.values, ['rating', 'timestamp']), origin);
      if (!rating.ok) { rejects.push(rating.reject); continue; }
      const r = rating.data;
      const event = validateRow(
        eventSchema,
        { user: r.user_id, item: r.item_id, type: ML100K_RATING_TO_EVENT[r.rating], timestamp: r.timestamp },
        origin,
      );
      if (!event.ok) { rejects.push(event.reject); continue; }
      if (!known.has(event.data.item)) {
        rejects.push(boundedReject({ file: interFile, line: row.line, field: 'item_id', reason: 'unknown-item', detail: `item '${event.data.item}' is not in ${itemFile}`, excerpt: row.raw }));
        continue;
      }
      if (knownUsers && !knownUsers.has(event.data.user)) {
        rejects.push(boundedReject({ file: interFile, line: row.line, field: 'user_id', reason: 'unknown-user', detail: `user '${event.data.user}' is not in ${userFile}`, excerpt: row.raw }));
        continue;
      }
      events.append(event.data, interFile, row.line);
      if (limits.maxEvents !== undefined && events.length >= limits.maxEvents) break;
    }
  });

  return {
    name: 'ml-100k',
    items,
    hasItemTable: true,
    events,
    judgments: [],
    rejects,
    rowsRead,
    notes: ['rating→event: 5 purchase, 4 cart, 3 click, 1-2 view', 'item text: title + release year + genres'],
  };
}

/** The user table's ids: only the ids are needed, to reject events of users it does not list. */
async function readUserIds(file: string, opts: DelimitedOptions, rejects: Reject[], rowsRead: Record<string, number>): Promise<Set<string>> {
  const users = new Set<string>();
  rowsRead[file] = await collect(file, rejects, async (onRow) => {
    for await (const row of readDelimited(file, { ...opts, requiredColumns: ['user_id'] })) {
      onRow();
      if ('reject' in row) { rejects.push(row.reject); continue; }
      const parsed = validateRow(UserRowSchema, row.values, { file, line: row.line, raw: row.raw });
      if (parsed.ok) users.add(parsed.data.user_id);
      else rejects.push(parsed.reject);
    }
  });
  return users;
}
