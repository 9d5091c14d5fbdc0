// A seeded synthetic shop: items with category-coherent text, users with category tastes,
// sessions with searches, impressions and a purchase funnel — plus planted noise with ground
// truth (flipped labels, bot sessions, duplicate events) so valuation methods can be scored
// on whether they find it. Written as JSONL in the canonical format the readers accept.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { z } from 'zod';
import { Random } from '../random';
import type { RawItem } from './schemas';
import { EVENT_TYPES } from './types';

export const SyntheticConfigSchema = z.object({
  seed: z.number().int(),
  users: z.number().int().positive(),
  items: z.number().int().positive(),
  categories: z.number().int().positive(),
  sessionsPerUser: z.number().int().positive(),
  /** distinct search query strings (spread over categories) */
  queries: z.number().int().nonnegative(),
  eventsPerSession: z.number().int().positive().default(6),
  /** probability that a session starts with a search */
  searchRate: z.number().min(0).max(1).default(0.4),
  /** results shown per search (impressions with positions 0..k-1) */
  resultsPerSearch: z.number().int().positive().default(5),
  /** unix seconds of the first session; sessions spread over `days` */
  startTime: z.number().int().positive().default(1_700_000_000),
  days: z.number().int().positive().default(60),
  noise: z
    .object({
      /** fraction of organic non-impression events whose type is flipped (positive ↔ negative) */
      flippedLabels: z.number().min(0).max(1).default(0),
      /** number of bot sessions (fresh users clicking at random, one second apart) */
      botSessions: z.number().int().nonnegative().default(0),
      /** fraction of events written twice in a row */
      duplicateEvents: z.number().min(0).max(1).default(0),
    })
    .prefault({}),
});
export type SyntheticConfig = z.output<typeof SyntheticConfigSchema>;
export type SyntheticConfigInput = z.input<typeof SyntheticConfigSchema>;

/** Rows are indices into the events columns; file lines are row + 1. */
export interface SyntheticTruth {
  /** rows whose observed type was flipped, and their true type index */
  readonly flippedRows: Int32Array;
  readonly flippedTrueType: Uint8Array;
  /** rows written by bot sessions */
  readonly botRows: Int32Array;
  readonly botUsers: readonly string[];
  /** rows that are exact copies, and the row each copies */
  readonly duplicateRows: Int32Array;
  readonly duplicateOfRows: Int32Array;
}

export interface SyntheticEvents {
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly ts: Float64Array;
  readonly type: Uint8Array;
  readonly session: Int32Array;
  /** index into queryTexts, -1 without a search */
  readonly query: Int32Array;
  readonly position: Int32Array;
  /** search request index, -1 without a search */
  readonly searchId: Int32Array;
}

export interface SyntheticData {
  readonly config: SyntheticConfig;
  readonly items: readonly RawItem[];
  /** category index per item */
  readonly itemCategory: Int32Array;
  readonly userIds: readonly string[];
  /** favourite category per user (bots: -1) */
  readonly userFavorite: Int32Array;
  readonly queryTexts: readonly string[];
  /** category index per query: the category its words come from and its searches show */
  readonly queryCategory: Int32Array;
  readonly categoryNames: readonly string[];
  readonly events: SyntheticEvents;
  readonly truth: SyntheticTruth;
}

const CATALOG: readonly { name: string; nouns: string[]; adjectives: string[] }[] = [
  { name: 'Beauty', nouns: ['serum', 'moisturizer', 'lipstick', 'mascara', 'cleanser', 'toner'], adjectives: ['hydrating', 'matte', 'vegan', 'gentle', 'radiant', 'fragrance-free'] },
  { name: 'Electronics', nouns: ['headphones', 'charger', 'speaker', 'keyboard', 'monitor', 'router'], adjectives: ['wireless', 'portable', 'bluetooth', 'gaming', 'usb-c', 'noise-cancelling'] },
  { name: 'Kitchen', nouns: ['skillet', 'blender', 'knife', 'kettle', 'cutting board', 'mixing bowl'], adjectives: ['nonstick', 'stainless', 'cast-iron', 'ceramic', 'electric', 'dishwasher-safe'] },
  { name: 'Sports', nouns: ['yoga mat', 'dumbbell', 'running shoes', 'water bottle', 'jump rope', 'tennis racket'], adjectives: ['lightweight', 'breathable', 'adjustable', 'insulated', 'anti-slip', 'durable'] },
  { name: 'Books', nouns: ['novel', 'cookbook', 'biography', 'atlas', 'thriller', 'poetry collection'], adjectives: ['bestselling', 'illustrated', 'hardcover', 'classic', 'annotated', 'paperback'] },
  { name: 'Toys', nouns: ['puzzle', 'building blocks', 'plush bear', 'board game', 'kite', 'toy car'], adjectives: ['educational', 'colorful', 'wooden', 'remote-control', 'magnetic', 'glow-in-the-dark'] },
  { name: 'Garden', nouns: ['hose', 'planter', 'pruning shears', 'seed kit', 'wheelbarrow', 'bird feeder'], adjectives: ['expandable', 'weatherproof', 'organic', 'ergonomic', 'heavy-duty', 'self-watering'] },
  { name: 'Pets', nouns: ['dog leash', 'cat tree', 'chew toy', 'pet bed', 'litter box', 'aquarium filter'], adjectives: ['reflective', 'orthopedic', 'interactive', 'washable', 'odor-control', 'quiet'] },
  { name: 'Fashion', nouns: ['sneakers', 'denim jacket', 'scarf', 'handbag', 'sunglasses', 'wool sweater'], adjectives: ['slim-fit', 'oversized', 'leather', 'polarized', 'cashmere', 'waterproof'] },
  { name: 'Office', nouns: ['notebook', 'desk lamp', 'stapler', 'ergonomic chair', 'gel pens', 'file organizer'], adjectives: ['spiral', 'dimmable', 'refillable', 'mesh', 'quick-dry', 'stackable'] },
];
const BRAND_SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ven', 'zo', 'tri', 'el', 'no', 'sa'];

/** The generator's own notion of intent, by how much the user likes the item's category. */
const FUNNEL_LIKED = [0.45, 0.3, 0.15, 0.1];
const FUNNEL_OTHER = [0.8, 0.15, 0.04, 0.01];
const VIEW = 0;
const CLICK = 1;
const PURCHASE = 3;

export function generateSynthetic(input: SyntheticConfigInput): SyntheticData {
  const config = SyntheticConfigSchema.parse(input);
  const rng = new Random(config.seed);
  const catalogRng = rng.fork();
  const userRng = rng.fork();
  const eventRng = rng.fork();
  const noiseRng = rng.fork();

  const categoryNames = Array.from({ length: config.categories }, (_, c) => {
    const base = CATALOG[c % CATALOG.length]!.name;
    return c < CATALOG.length ? base : `${base} ${Math.floor(c / CATALOG.length) + 1}`;
  });

  // items: round-robin over categories so every category has items
  const items: RawItem[] = [];
  const itemCategory = new Int32Array(config.items);
  const byCategory: number[][] = categoryNames.map(() => []);
  const brandsOf = categoryNames.map(() => Array.from({ length: 4 }, () => brandName(catalogRng)));
  for (let i = 0; i < config.items; i++) {
    const c = i % config.categories;
    const bank = CATALOG[c % CATALOG.length]!;
    const noun = catalogRng.pick(bank.nouns);
    const adjective = catalogRng.pick(bank.adjectives);
    const second = catalogRng.pick(bank.adjectives);
    const brand = catalogRng.pick(brandsOf[c]!);
    itemCategory[i] = c;
    byCategory[c]!.push(i);
    items.push({
      id: `I${pad(i + 1, 6)}`,
      title: `${brand} ${adjective} ${noun}`,
      description: `${second} ${noun} by ${brand} for everyday ${categoryNames[c]!.toLowerCase()} use`,
      categoryPath: [categoryNames[c]!, noun],
      brand,
      price: Math.round((5 + catalogRng.next() * 95 * (1 + (c % 3))) * 100) / 100,
    });
  }

  // queries: category words, assigned to categories round-robin
  const queryTexts: string[] = [];
  const queryCategoryList: number[] = [];
  const queriesOf: number[][] = categoryNames.map(() => []);
  const seenQueries = new Set<string>();
  for (let q = 0; queryTexts.length < config.queries && q < config.queries * 20; q++) {
    const c = q % config.categories;
    const bank = CATALOG[c % CATALOG.length]!;
    const text = catalogRng.chance(0.5) ? `${catalogRng.pick(bank.adjectives)} ${catalogRng.pick(bank.nouns)}` : catalogRng.pick(bank.nouns);
    const unique = seenQueries.has(text) ? `${text} ${categoryNames[c]!.toLowerCase()}` : text;
    if (seenQueries.has(unique)) continue;
    seenQueries.add(unique);
    queriesOf[c]!.push(queryTexts.length);
    queryCategoryList.push(c);
    queryTexts.push(unique);
  }

  const totalUsers = config.users + config.noise.botSessions;
  const userIds = Array.from({ length: totalUsers }, (_, u) => `U${pad(u + 1, 6)}`);
  const userFavorite = new Int32Array(totalUsers).fill(-1);
  for (let u = 0; u < config.users; u++) userFavorite[u] = userRng.int(config.categories);

  const rows = new EventBuilder();
  let sessionCount = 0;
  let searchCount = 0;
  const span = config.days * 86_400;
  for (let u = 0; u < config.users; u++) {
    const favorite = userFavorite[u]!;
    const starts = Array.from({ length: config.sessionsPerUser }, () => config.startTime + Math.floor(eventRng.next() * span)).sort((a, b) => a - b);
    for (const start of starts) {
      const session = sessionCount++;
      let t = start;
      const categoryOfSession = eventRng.chance(0.75) ? favorite : eventRng.int(config.categories);
      const pool = byCategory[categoryOfSession]!;
      if (pool.length === 0) continue;
      let budget = config.eventsPerSession;
      const searchQueries = queriesOf[categoryOfSession]!;
      if (searchQueries.length > 0 && eventRng.chance(config.searchRate)) {
        const query = eventRng.pick(searchQueries);
        const searchId = searchCount++;
        const shown = eventRng.sampleIndices(pool.length, Math.min(config.resultsPerSearch, pool.length));
        for (let p = 0; p < shown.length; p++) rows.push(u, pool[shown[p]!]!, t, VIEW, session, query, p, searchId);
        // position bias: the top results are clicked more often
        const clickedAt = Math.min(shown.length - 1, Math.floor(eventRng.next() * eventRng.next() * shown.length));
        t += 5 + eventRng.int(60);
        rows.push(u, pool[shown[clickedAt]!]!, t, CLICK, session, query, clickedAt, searchId);
        budget -= 1;
      }
      for (let e = 0; e < budget; e++) {
        t += 10 + eventRng.int(290);
        const item = eventRng.chance(0.85) ? eventRng.pick(pool) : eventRng.int(config.items);
        const liked = itemCategory[item] === favorite;
        rows.push(u, item, t, eventRng.weighted(liked ? FUNNEL_LIKED : FUNNEL_OTHER), session, -1, -1, -1);
      }
    }
  }
  const organicRows = rows.length;

  const botRowsList: number[] = [];
  for (let b = 0; b < config.noise.botSessions; b++) {
    const u = config.users + b;
    const session = sessionCount++;
    let t = config.startTime + Math.floor(eventRng.next() * span);
    const clicks = 20 + eventRng.int(20);
    for (let k = 0; k < clicks; k++) {
      botRowsList.push(rows.length);
      rows.push(u, eventRng.int(config.items), t, CLICK, session, -1, -1, -1);
      t += 1;
    }
  }

  // flipped labels: organic events outside searches (an impression has no label to flip)
  const flippable: number[] = [];
  for (let r = 0; r < organicRows; r++) if (rows.position.data[r] === -1) flippable.push(r);
  const flipCount = Math.round(flippable.length * config.noise.flippedLabels);
  const flipPick = noiseRng.sampleIndices(flippable.length, flipCount);
  const flipped = new Map<number, number>();
  for (const k of flipPick) {
    const r = flippable[k]!;
    const trueType = rows.type.data[r]!;
    flipped.set(r, trueType);
    rows.type.data[r] = trueType >= 2 ? VIEW : PURCHASE; // a purchase/cart reads as a view, a view/click as a purchase
  }

  // time order over everyone, as a real log is written; then duplicates right after their originals
  const n = rows.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => rows.ts.data[a]! - rows.ts.data[b]! || a - b);
  const dupCount = Math.round(n * config.noise.duplicateEvents);
  const duplicated = new Uint8Array(n);
  for (const k of noiseRng.sampleIndices(n, dupCount)) duplicated[k] = 1; // positions in `order`

  const total = n + dupCount;
  const out = allocateEvents(total);
  const flippedRows: number[] = [];
  const flippedTrueType: number[] = [];
  const isBot = new Uint8Array(n);
  for (const r of botRowsList) isBot[r] = 1;
  const botRows: number[] = [];
  const duplicateRows: number[] = [];
  const duplicateOfRows: number[] = [];
  let w = 0;
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
    const copies = duplicated[k] ? 2 : 1;
    const first = w;
    for (let copy = 0; copy < copies; copy++) {
      out.user[w] = rows.user.data[r]!;
      out.item[w] = rows.item.data[r]!;
      out.ts[w] = rows.ts.data[r]!;
      out.type[w] = rows.type.data[r]!;
      out.session[w] = rows.session.data[r]!;
      out.query[w] = rows.query.data[r]!;
      out.position[w] = rows.position.data[r]!;
      out.searchId[w] = rows.searchId.data[r]!;
      if (flipped.has(r)) {
        flippedRows.push(w);
        flippedTrueType.push(flipped.get(r)!);
      }
      if (isBot[r]) botRows.push(w);
      if (copy === 1) {
        duplicateRows.push(w);
        duplicateOfRows.push(first);
      }
      w++;
    }
  }

  return {
    config,
    items,
    itemCategory,
    userIds,
    userFavorite,
    queryTexts,
    queryCategory: Int32Array.from(queryCategoryList),
    categoryNames,
    events: out,
    truth: {
      flippedRows: Int32Array.from(flippedRows),
      flippedTrueType: Uint8Array.from(flippedTrueType),
      botRows: Int32Array.from(botRows),
      botUsers: userIds.slice(config.users),
      duplicateRows: Int32Array.from(duplicateRows),
      duplicateOfRows: Int32Array.from(duplicateOfRows),
    },
  };
}

export interface SyntheticFiles {
  readonly items: string;
  readonly events: string;
  readonly truth: string;
  /** file name → sha256 of its bytes */
  readonly sha256: Readonly<Record<string, string>>;
}

/** Writes items.jsonl, events.jsonl (canonical fields) and truth.json (1-based event lines). */
export async function writeSynthetic(dir: string, data: SyntheticData): Promise<SyntheticFiles> {
  await mkdir(dir, { recursive: true });
  const itemsPath = join(dir, 'items.jsonl');
  const eventsPath = join(dir, 'events.jsonl');
  const truthPath = join(dir, 'truth.json');
  await writeLines(itemsPath, data.items.length, (i) => {
    const it = data.items[i]!;
    return JSON.stringify({ id: it.id, title: it.title, description: it.description, categoryPath: it.categoryPath, brand: it.brand, price: it.price });
  });
  const e = data.events;
  await writeLines(eventsPath, e.length, (i) => {
    const row: Record<string, unknown> = {
      user: data.userIds[e.user[i]!],
      item: data.items[e.item[i]!]!.id,
      type: EVENT_TYPES[e.type[i]!],
      timestamp: e.ts[i],
      session: `S${pad(e.session[i]! + 1, 7)}`,
    };
    if (e.query[i]! >= 0) {
      row.query = data.queryTexts[e.query[i]!];
      row.position = e.position[i];
      row.searchId = `Q${pad(e.searchId[i]! + 1, 7)}`;
    }
    return JSON.stringify(row);
  });
  const lines = (rows: Int32Array) => Array.from(rows, (r) => r + 1);
  const truth = {
    seed: data.config.seed,
    flippedLines: lines(data.truth.flippedRows),
    flippedTrueTypes: Array.from(data.truth.flippedTrueType, (t) => EVENT_TYPES[t]),
    botLines: lines(data.truth.botRows),
    botUsers: data.truth.botUsers,
    duplicateLines: lines(data.truth.duplicateRows),
    duplicateOfLines: lines(data.truth.duplicateOfRows),
  };
  await writeFile(truthPath, `${JSON.stringify(truth)}\n`);
  const sha256: Record<string, string> = {};
  for (const path of [itemsPath, eventsPath, truthPath]) {
    sha256[path.slice(dir.length + 1)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return { items: itemsPath, events: eventsPath, truth: truthPath, sha256 };
}

async function writeLines(path: string, count: number, line: (i: number) => string): Promise<void> {
  const stream = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!stream.write(`${line(i)}\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

function brandName(rng: Random): string {
  const name = rng.pick(BRAND_SYLLABLES) + rng.pick(BRAND_SYLLABLES) + rng.pick(BRAND_SYLLABLES);
  return name[0]!.toUpperCase() + name.slice(1);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

class Column<T extends Int32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

class EventBuilder {
  readonly user = new Column(new Int32Array(1024));
  readonly item = new Column(new Int32Array(1024));
  readonly ts = new Column(new Float64Array(1024));
  readonly type = new Column(new Uint8Array(1024));
  readonly session = new Column(new Int32Array(1024));
  readonly query = new Column(new Int32Array(1024));
  readonly position = new Column(new Int32Array(1024));
  readonly searchId = new Column(new Int32Array(1024));
  get length(): number {
    return this.user.length;
  }
  push(user: number, item: number, ts: number, type: number, session: number, query: number, position: number, searchId: number): void {
    this.user.push(user);
    this.item.push(item);
    this.ts.push(ts);
    this.type.push(type);
    this.session.push(session);
    this.query.push(query);
    this.position.push(position);
    this.searchId.push(searchId);
  }
}

function allocateEvents(n: number): { -readonly [K in keyof SyntheticEvents]: SyntheticEvents[K] } {
  return {
    length: n,
    user: new Int32Array(n),
    item: new Int32Array(n),
    ts: new Float64Array(n),
    type: new Uint8Array(n),
    session: new Int32Array(n),
    query: new Int32Array(n),
    position: new Int32Array(n),
    searchId: new Int32Array(n),
  };
}
