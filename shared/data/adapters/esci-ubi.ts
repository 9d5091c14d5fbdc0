// ESCI search data in the User Behavior Insights (UBI) format: ubi_queries_events.ndjson is an
// OpenSearch bulk file (an `{"index":{"_index":…}}` line before each document) mixing
// `ubi_queries` (query_id → user_query) and `ubi_events`. Action → event type:
//   impression → view (shown; stays a 0-relevance negative unless the same search clicks it)
//   click, item_click → click;   add_to_cart → cart;   purchase → purchase
// Other actions (search, filters, sort, hovers, page exits…) carry no item interaction and are
// logged as 'not-an-item-event' rejects. User = user_id, or client_id when user_id is empty.
// esci_us_judgments.json grades (query, ASIN): ESCI gains 100/10/1/0 (Exact, Substitute,
// Complement, Irrelevant) become relevance 3/2/1/0, the scale of the event labels.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { boundedReject, DataFileError, type Reject } from '../rejects';
import { RawEventTable, type LocatedItem, type RawDataset } from '../raw-events';
import { readJsonl } from '../read/jsonl';
import { RawJudgmentSchema, rawEventSchema, validateRow, type RawJudgment } from '../schemas';
import type { Limits } from '../source-config';
import type { TimestampSettings } from '../timestamps';
import type { EventType } from '../types';
import { collect } from './canonical';
import { issuePath } from '../../config/zod-issues';

export const UBI_ACTION_TO_EVENT: Readonly<Record<string, EventType>> = {
  impression: 'view',
  click: 'click',
  item_click: 'click',
  add_to_cart: 'cart',
  purchase: 'purchase',
};

export const ESCI_GAIN_TO_RELEVANCE: Readonly<Record<string, number>> = { '100': 3, '10': 2, '1': 1, '0': 0 };

const UbiObjectSchema = z.object({
  // optional here: non-item actions carry objects without ids; item actions are checked after mapping
  object_id: z.union([z.string().min(1), z.number()]).transform(String).nullish(),
  description: z.string().nullish(),
});
const UbiEventSchema = z.object({
  action_name: z.string(),
  query_id: z.string().nullish(),
  client_id: z.string().nullish(),
  user_id: z.string().nullish(),
  session_id: z.string().nullish(),
  user_query: z.string().nullish(),
  timestamp: z.union([z.string(), z.number()]),
  event_attributes: z
    .object({
      object: UbiObjectSchema.nullish(),
      session_id: z.string().nullish(),
      position: z.object({ ordinal: z.number().int().nullish() }).nullish(),
    })
    .nullish(),
});

export async function loadEsciUbi(dir: string, limits: Limits, nowSeconds?: number, timestamps?: TimestampSettings): Promise<RawDataset> {
  const file = join(dir, 'ubi_queries_events.ndjson');
  const rejects: Reject[] = [];
  const rowsRead: Record<string, number> = {};
  const jsonlOptions = { maxFieldLength: limits.maxFieldLength, maxLineBytes: limits.maxLineBytes };

  // pass 1: query texts (the bulk file need not list a query before its events)
  const queryText = new Map<string, string>();
  let index: string | undefined;
  for await (const row of readJsonl(file, jsonlOptions)) {
    if ('reject' in row) continue; // reported in pass 2
    const bulk = row.value.index as { _index?: string } | undefined;
    if (bulk) { index = bulk._index; continue; }
    if (index === 'ubi_queries' && typeof row.value.query_id === 'string' && typeof row.value.user_query === 'string') {
      queryText.set(row.value.query_id, row.value.user_query);
    }
  }

  const events = new RawEventTable();
  const eventSchema = rawEventSchema({ nowSeconds, timestamps });
  const itemText = new Map<string, LocatedItem>();
  index = undefined;
  rowsRead[file] = await collect(file, rejects, async (onRow) => {
    for await (const row of readJsonl(file, jsonlOptions)) {
      if ('reject' in row) { onRow(); rejects.push(row.reject); continue; }
      const bulk = row.value.index as { _index?: string } | undefined;
      if (bulk) { index = bulk._index; continue; }
      onRow();
      if (index !== 'ubi_events') continue; // query documents were consumed in pass 1
      const origin = { file, line: row.line, raw: row.raw };
      const ubi = validateRow(UbiEventSchema, row.value, origin);
      if (!ubi.ok) { rejects.push(ubi.reject); continue; }
      const e = ubi.data;
      const type = UBI_ACTION_TO_EVENT[e.action_name];
      if (!type) {
        rejects.push(boundedReject({ file, line: row.line, field: 'action_name', reason: 'not-an-item-event', detail: `action '${e.action_name}' has no item interaction to learn from`, excerpt: row.raw }));
        continue;
      }
      const object = e.event_attributes?.object;
      if (!object?.object_id) {
        rejects.push(boundedReject({ file, line: row.line, field: 'event_attributes.object.object_id', reason: 'missing-field', detail: `a '${e.action_name}' event must name the item it touched`, excerpt: row.raw }));
        continue;
      }
      const user = e.user_id && e.user_id.length > 0 ? e.user_id : e.client_id;
      const event = validateRow(
        eventSchema,
        {
          user,
          item: object.object_id,
          type,
          timestamp: e.timestamp,
          session: e.session_id ?? e.event_attributes?.session_id,
          query: e.user_query ?? (e.query_id ? queryText.get(e.query_id) : undefined),
          position: e.event_attributes?.position?.ordinal,
          searchId: e.query_id,
        },
        origin,
      );
      if (!event.ok) { rejects.push(event.reject); continue; }
      events.append(event.data, file, row.line);
      if (object.description && object.object_id && !itemText.has(object.object_id)) {
        itemText.set(object.object_id, { item: { id: object.object_id, title: object.description, description: undefined, categoryPath: [], brand: undefined, price: undefined }, file, line: row.line });
      }
      if (limits.maxEvents !== undefined && events.length >= limits.maxEvents) break;
    }
  });

  const judgmentsFile = join(dir, 'esci_us_judgments.json');
  const judgments = await readEsciJudgments(judgmentsFile, rejects);
  rowsRead[judgmentsFile] = judgments.rows;

  return {
    name: 'esci-ubi',
    // no catalog ships with the sample: item titles come from event descriptions where present
    items: [...itemText.values()],
    hasItemTable: false,
    events,
    judgments: judgments.accepted,
    rejects,
    rowsRead,
    notes: [
      'UBI action→event: impression view, click/item_click click, add_to_cart cart, purchase purchase; other actions rejected as not-an-item-event',
      'ESCI gain→relevance: 100→3, 10→2, 1→1, 0→0',
    ],
  };
}

const JudgmentFileSchema = z.object({
  judgmentRatings: z.array(z.object({ query: z.string(), ratings: z.array(z.object({ docId: z.string(), rating: z.string() })) })),
});

/** The judgments file is one JSON document (not JSONL); it is small (≈0.5 MB) and read whole. */
async function readEsciJudgments(file: string, rejects: Reject[]): Promise<{ accepted: RawJudgment[]; rows: number }> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DataFileError(file, 'invalid-json', `cannot read judgments: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = JudgmentFileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataFileError(file, 'wrong-shape', `judgments file shape: ${issuePath(issue)}: ${issue.message} — expected {judgmentRatings:[{query, ratings:[{docId, rating}]}]}`);
  }
  const accepted: RawJudgment[] = [];
  let rows = 0;
  parsed.data.judgmentRatings.forEach((entry, qi) => {
    entry.ratings.forEach((r, ri) => {
      rows++;
      const gain = String(Number(r.rating));
      const relevance = ESCI_GAIN_TO_RELEVANCE[gain];
      const where = `judgmentRatings[${qi}].ratings[${ri}]`;
      if (relevance === undefined) {
        rejects.push({ file, line: 0, field: `${where}.rating`, reason: 'invalid-value', detail: `rating ${r.rating} is not an ESCI gain (100, 10, 1, 0)`, excerpt: JSON.stringify(r) });
        return;
      }
      const judgment = validateRow(RawJudgmentSchema, { query: entry.query, item: r.docId, relevance }, { file, line: 0, raw: JSON.stringify(r) });
      if (judgment.ok) accepted.push(judgment.data);
      else rejects.push({ ...judgment.reject, field: `${where}.${judgment.reject.field}` });
    });
  });
  return { accepted, rows };
}
