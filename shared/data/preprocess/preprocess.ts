// Step 1 of the method: validated raw rows → a split, labelled, sessionized dataset.
// Order of work: dedupe items → dedupe events → resolve impressions → top-N items → k-core filter →
// dense ids → sessions → labels → split → item text and tokens. Every removed row lands in
// the rejects with its source location and reason.
import { Interner, type RawDataset } from '../raw-events';
import { RejectLog, type Reject } from '../rejects';
import type { RawItem } from '../schemas';
import { PreprocessConfigSchema, type PreprocessConfig } from '../source-config';
import { WEIGHT_COLUMNS, type InteractionTable, type QueryJudgments, type SplitDataset } from '../types';
import { tokenizeItems } from '../vocabulary';
import { dedupeItems, dropDuplicateEvents } from './dedupe';
import { dropSupersededImpressions, relevanceOfType } from './label';
import { applyMinInteractions } from './min-interactions';
import { keepTopItems } from './top-items';
import { orderByUserTime } from './sequences';
import { sessionize } from './sessionize';
import { assignSplit, TEST, TRAIN, VALID } from './split';

export interface PreprocessSummary {
  readonly name: string;
  readonly rowsRead: Readonly<Record<string, number>>;
  /** events that passed validation */
  readonly eventsValid: number;
  /** events in train + valid + test */
  readonly eventsKept: number;
  readonly rejects: number;
  readonly rejectsByReason: Readonly<Record<string, number>>;
  readonly users: number;
  readonly items: number;
  readonly sessions: number;
  readonly queries: number;
  readonly judgments: number;
  readonly split: { readonly mode: string; readonly train: number; readonly valid: number; readonly test: number };
  readonly vocabulary: number;
  readonly notes: readonly string[];
  /** catalogue items (after dedupe) that no kept event mentions */
  readonly itemsWithoutEvents: number;
  /** of those, items left out of the dataset (preprocess.pruneItemsWithoutEvents) */
  readonly itemsPruned: number;
  /** generic sources: per file, the columns Assay does not read */
  readonly unknownColumns: Readonly<Record<string, readonly string[]>>;
}

export interface PreprocessResult {
  readonly dataset: SplitDataset;
  readonly rejects: readonly Reject[];
  readonly summary: PreprocessSummary;
}

export type PreprocessConfigInput = Parameters<typeof PreprocessConfigSchema.parse>[0];

/** Item text for search and the text tower: title, description, category path, brand. */
export function itemTextOf(item: RawItem): string {
  return [item.title, item.description, item.categoryPath.join(' '), item.brand].filter((s) => s && s.length > 0).join(' ');
}

export async function preprocess(raw: RawDataset, configInput: PreprocessConfigInput = {}): Promise<PreprocessResult> {
  const config: PreprocessConfig = PreprocessConfigSchema.parse(configInput);
  const log = new RejectLog();
  log.addAll(raw.rejects);
  const events = raw.events;
  const c = events.columns();
  const keep = new Uint8Array(c.length).fill(1);

  const deduped = dedupeItems(raw.items);
  log.addAll(deduped.rejects);
  if (raw.hasItemTable) {
    const known = new Set(deduped.items.map((i) => i.item.id));
    for (let i = 0; i < c.length; i++) {
      if (!known.has(events.items.values[c.item[i]!]!)) {
        keep[i] = 0;
        log.add(events.rejectRow(i, 'unknown-item', 'item is not in the item table', 'item'));
      }
    }
  }
  log.addAll(dropDuplicateEvents(events, keep));
  log.addAll(dropSupersededImpressions(events, keep));
  log.addAll(keepTopItems(events, keep, config.maxItems));
  log.addAll(applyMinInteractions(events, keep, config.minUserInteractions, config.minItemInteractions));

  const keptRows: number[] = [];
  for (let i = 0; i < c.length; i++) if (keep[i]) keptRows.push(i);
  const order = orderByUserTime(c.user, c.ts, Int32Array.from(keptRows));

  // dense users in order of first appearance; dense items: catalog first, then event-only, then judged-only
  const userCount = new Int32Array(events.users.size);
  const itemCount = new Int32Array(events.items.size);
  for (const i of order) {
    userCount[c.user[i]!]!++;
    itemCount[c.item[i]!]!++;
  }
  const denseUser = new Int32Array(events.users.size).fill(-1);
  const userIds: string[] = [];
  for (let u = 0; u < events.users.size; u++) {
    if (userCount[u]! > 0) {
      denseUser[u] = userIds.length;
      userIds.push(events.users.values[u]!);
    }
  }
  const keepJudged = config.minItemInteractions === 0;
  const keepUnused = keepJudged && !config.pruneItemsWithoutEvents;
  const judged = new Set(raw.judgments.map((j) => j.item));
  const itemIndex = new Map<string, number>();
  const itemIds: string[] = [];
  const itemText: string[] = [];
  const itemPrices: number[] = [];
  const addItem = (id: string, text: string, price = Number.NaN) => {
    if (itemIndex.has(id)) return;
    itemIndex.set(id, itemIds.length);
    itemIds.push(id);
    itemText.push(text);
    itemPrices.push(price);
  };
  let itemsWithoutEvents = 0;
  let itemsPruned = 0;
  for (const { item } of deduped.items) {
    const rawId = events.items.lookup(item.id);
    const hasEvents = rawId !== undefined && itemCount[rawId]! > 0;
    if (!hasEvents) itemsWithoutEvents++;
    if (hasEvents || keepUnused || (keepJudged && judged.has(item.id))) addItem(item.id, itemTextOf(item), item.price);
    else itemsPruned++;
  }
  for (let it = 0; it < events.items.size; it++) if (itemCount[it]! > 0) addItem(events.items.values[it]!, '');
  if (keepJudged) for (const j of raw.judgments) addItem(j.item, '');
  const denseItem = new Int32Array(events.items.size).fill(-1);
  for (let it = 0; it < events.items.size; it++) denseItem[it] = itemIndex.get(events.items.values[it]!) ?? -1;

  const session = sessionize(c.user, c.ts, c.session, order, config.sessionGapSeconds);
  const relevance = relevanceOfType(c.type);
  const part = assignSplit(c.user, c.ts, order, config.split);

  const counts = [0, 0, 0];
  for (const i of order) counts[part[i]!]!++;
  const weightColumns = WEIGHT_COLUMNS.filter((w) => c[w] !== undefined);
  const tables = [TRAIN, VALID, TEST].map((p) => allocateTable(counts[p]!, weightColumns));
  const fill = [0, 0, 0];
  for (const i of order) {
    const p = part[i]!;
    const t = tables[p]!;
    const k = fill[p]!++;
    t.user[k] = denseUser[c.user[i]!]!;
    t.item[k] = denseItem[c.item[i]!]!;
    t.ts[k] = c.ts[i]!;
    t.type[k] = c.type[i]!;
    t.session[k] = session[i]!;
    t.relevance[k] = relevance[i]!;
    t.query[k] = c.query[i]!;
    t.position[k] = c.position[i]!;
    for (const w of weightColumns) t[w]![k] = c[w]![i]!;
  }

  // queries: every event query (dense = raw interned id), then judged queries not seen in events
  const queries = new Interner();
  for (const q of events.queries.values) queries.id(q);
  const judgments = buildJudgments(raw, queries, itemIndex, log);

  const tokens = itemIds.length > 0 ? await tokenizeItems(itemText, config.tokenizer) : undefined;
  const dataset: SplitDataset = {
    name: raw.name,
    numUsers: userIds.length,
    numItems: itemIds.length,
    userIds,
    itemIds,
    itemText,
    queries: queries.values,
    train: tables[TRAIN]!,
    valid: tables[VALID]!,
    test: tables[TEST]!,
    ...(judgments ? { judgments } : {}),
    ...(tokens ? { tokens } : {}),
    // only when the item file gave a price: a source without prices keeps its dataset unchanged
    ...(itemPrices.some((p) => !Number.isNaN(p)) ? { itemPrice: Float64Array.from(itemPrices) } : {}),
  };
  let sessions = 0;
  for (const i of order) sessions = Math.max(sessions, session[i]! + 1);
  const summary: PreprocessSummary = {
    name: raw.name,
    rowsRead: raw.rowsRead,
    eventsValid: c.length,
    eventsKept: order.length,
    rejects: log.size,
    rejectsByReason: log.countsByReason(),
    users: userIds.length,
    items: itemIds.length,
    sessions,
    queries: queries.size,
    judgments: judgments?.length ?? 0,
    split: { mode: config.split.mode, train: counts[TRAIN]!, valid: counts[VALID]!, test: counts[TEST]! },
    vocabulary: tokens?.vocab.length ?? 0,
    notes: raw.notes ?? [],
    itemsWithoutEvents,
    itemsPruned,
    unknownColumns: raw.unknownColumns ?? {},
  };
  return { dataset, rejects: log.rows, summary };
}

type MutableTable = { -readonly [K in Exclude<keyof InteractionTable, 'quantity' | 'value'>]-?: NonNullable<InteractionTable[K]> } & { quantity?: Float32Array; value?: Float32Array };

function allocateTable(n: number, weightColumns: readonly ('quantity' | 'value')[]): MutableTable {
  return {
    ...Object.fromEntries(weightColumns.map((w) => [w, new Float32Array(n)])),
    length: n,
    user: new Int32Array(n),
    item: new Int32Array(n),
    ts: new Float64Array(n),
    type: new Uint8Array(n),
    session: new Int32Array(n),
    relevance: new Float32Array(n),
    query: new Int32Array(n),
    position: new Int32Array(n),
  };
}

function buildJudgments(raw: RawDataset, queries: Interner, itemIndex: Map<string, number>, log: RejectLog): QueryJudgments | undefined {
  if (raw.judgments.length === 0) return undefined;
  const q: number[] = [];
  const it: number[] = [];
  const rel: number[] = [];
  for (const j of raw.judgments) {
    const item = itemIndex.get(j.item);
    if (item === undefined) {
      log.add({ file: '(judgments)', line: 0, field: 'item', reason: 'judgment-item-filtered', detail: `item '${j.item}' was removed by the min-interaction filter`, excerpt: JSON.stringify(j) });
      continue;
    }
    q.push(queries.id(j.query));
    it.push(item);
    rel.push(j.relevance);
  }
  return { length: q.length, query: Int32Array.from(q), item: Int32Array.from(it), relevance: Float32Array.from(rel) };
}
