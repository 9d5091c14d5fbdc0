// The cold-start protocol on a leave-last-out dataset: a seeded share of the items is held out
// of training entirely (every interaction with them leaves the training sequences), the models
// train on the rest (the warm items, re-indexed), and evaluation ranks every item of the
// catalogue for contexts made of warm history only.
//  - cold examples: each interaction with a held-out item (from any split) is one example; its
//    context is the user's warm interactions before it in time. The held-out items are halved
//    by a seeded draw: one half's examples are the validation set, the other half's the test.
//  - warm examples: the dataset's own valid / test rows whose item is warm, the context being the
//    user's warm train (valid) or train + valid (test) interactions, ranked over warm items.
// A ranking puts the target at rank = #(candidates scoring above it) + #(other candidates tying
// with it): ties count against the target, so an item a model cannot tell apart (a zero vector,
// a zero count) is never lucky. Items in the context are not candidates.
import type { InteractionTable, SplitDataset, UserSequences } from '../../shared/data/types';
import { Random } from '../../shared/random';

export interface ColdStartSplit {
  /** per original item: -1 when held out, else its index among the warm items */
  readonly warmIndex: Int32Array;
  /** original ids of the warm items, by warm index */
  readonly warmItems: Int32Array;
  /** held-out items whose examples validate / test */
  readonly coldValid: Int32Array;
  readonly coldTest: Int32Array;
  /** the warm-only dataset the models train on (items re-indexed, every cold interaction removed) */
  readonly warm: SplitDataset;
}

/** One ranking per example: a context of warm items (warm indices) and a target (original item id). */
export interface ExampleSet {
  readonly contexts: UserSequences;
  readonly targets: Int32Array;
}

export function coldStartSplit(ds: SplitDataset, share: number, seed: number): ColdStartSplit {
  if (!(share > 0 && share < 1)) throw new RangeError(`cold-start: the held-out share must be in (0, 1), got ${share}`);
  const order = new Random(seed).shuffle(Int32Array.from({ length: ds.numItems }, (_, i) => i));
  const coldCount = Math.max(2, Math.round(ds.numItems * share));
  const cold = order.subarray(0, coldCount);
  const warmIndex = new Int32Array(ds.numItems);
  for (const i of cold) warmIndex[i] = -1;
  const warmItems: number[] = [];
  for (let i = 0; i < ds.numItems; i++) if (warmIndex[i] !== -1) warmIndex[i] = warmItems.push(i) - 1;
  const half = Math.floor(coldCount / 2);
  const keep = (t: InteractionTable) => warmRows(t, warmIndex);
  const warm: SplitDataset = {
    ...ds,
    numItems: warmItems.length,
    itemIds: warmItems.map((i) => ds.itemIds[i]!),
    itemText: warmItems.map((i) => ds.itemText[i]!),
    ...(ds.itemPrice && { itemPrice: Float64Array.from(warmItems, (i) => ds.itemPrice![i]!) }),
    train: keep(ds.train),
    valid: keep(ds.valid),
    test: keep(ds.test),
    tokens: undefined,
  };
  return { warmIndex, warmItems: Int32Array.from(warmItems), coldValid: cold.slice(0, half).sort(), coldTest: cold.slice(half).sort(), warm };
}

/** The rows of `t` whose item is warm, items re-indexed. */
function warmRows(t: InteractionTable, warmIndex: Int32Array): InteractionTable {
  const rows: number[] = [];
  for (let j = 0; j < t.length; j++) if (warmIndex[t.item[j]!]! >= 0) rows.push(j);
  const pick = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(rows.length);
    rows.forEach((j, k) => (out[k] = a[j]!));
    return out;
  };
  const item = pick(t.item).map((i) => warmIndex[i]!);
  return { length: rows.length, user: pick(t.user), item, ts: pick(t.ts), type: pick(t.type), session: pick(t.session), relevance: pick(t.relevance), query: pick(t.query), ...(t.position && { position: pick(t.position) }) };
}

interface Event {
  readonly user: number;
  readonly item: number;
  readonly ts: number;
  /** split order then row: breaks timestamp ties the way the split did */
  readonly at: number;
}

/** Every interaction of `ds` by user, in time order. */
function eventsByUser(ds: SplitDataset): Event[][] {
  const byUser: Event[][] = Array.from({ length: ds.numUsers }, () => []);
  [ds.train, ds.valid, ds.test].forEach((t, split) => {
    for (let j = 0; j < t.length; j++) byUser[t.user[j]!]!.push({ user: t.user[j]!, item: t.item[j]!, ts: t.ts[j]!, at: split * 1e9 + j });
  });
  for (const events of byUser) events.sort((a, b) => a.ts - b.ts || a.at - b.at);
  return byUser;
}

/** Each interaction with one of `items`, with the user's warm items before it as its context (newest `maxContext` kept). */
export function coldExamples(ds: SplitDataset, split: ColdStartSplit, items: Int32Array, maxContext: number): ExampleSet {
  const wanted = new Uint8Array(ds.numItems);
  for (const i of items) wanted[i] = 1;
  const offsets: number[] = [0];
  const contextItems: number[] = [];
  const targets: number[] = [];
  for (const events of eventsByUser(ds)) {
    const history: number[] = [];
    for (const e of events) {
      if (wanted[e.item]) {
        contextItems.push(...history.slice(-maxContext));
        offsets.push(contextItems.length);
        targets.push(e.item);
      }
      const w = split.warmIndex[e.item]!;
      if (w >= 0) history.push(w);
    }
  }
  return { contexts: { offsets: Int32Array.from(offsets), items: Int32Array.from(contextItems) }, targets: Int32Array.from(targets) };
}

/** The warm dataset's valid (context: train) or test (context: train + valid) rows, targets as original ids. */
export function warmExamples(split: ColdStartSplit, which: 'valid' | 'test', maxContext: number): ExampleSet {
  const ds = split.warm;
  const history: number[][] = Array.from({ length: ds.numUsers }, () => []);
  const tables = which === 'valid' ? [ds.train] : [ds.train, ds.valid];
  const rows: Array<{ user: number; item: number; ts: number; at: number }> = [];
  tables.forEach((t, split) => {
    for (let j = 0; j < t.length; j++) rows.push({ user: t.user[j]!, item: t.item[j]!, ts: t.ts[j]!, at: split * 1e9 + j });
  });
  rows.sort((a, b) => a.user - b.user || a.ts - b.ts || a.at - b.at);
  for (const r of rows) history[r.user]!.push(r.item);
  const target = which === 'valid' ? ds.valid : ds.test;
  const offsets: number[] = [0];
  const contextItems: number[] = [];
  const targets: number[] = [];
  for (let j = 0; j < target.length; j++) {
    contextItems.push(...history[target.user[j]!]!.slice(-maxContext));
    offsets.push(contextItems.length);
    targets.push(split.warmItems[target.item[j]!]!);
  }
  return { contexts: { offsets: Int32Array.from(offsets), items: Int32Array.from(contextItems) }, targets: Int32Array.from(targets) };
}

export interface RankingMetrics {
  readonly hr: number;
  readonly ndcg: number;
  readonly examples: number;
}

/**
 * HR@k and NDCG@k of one target per example. `score(e, out)` writes example e's score of every
 * original item into `out`; `candidate[i]` = 1 for items that may be ranked; the example's
 * context items (warm indices, mapped back through warmItems) are left out.
 */
export function rankTargets(set: ExampleSet, warmItems: Int32Array, candidate: Uint8Array, k: number, score: (example: number, out: Float32Array) => void): RankingMetrics {
  const n = set.targets.length;
  const scores = new Float32Array(candidate.length);
  const excluded = new Uint8Array(candidate.length);
  let hits = 0;
  let gain = 0;
  for (let e = 0; e < n; e++) {
    score(e, scores);
    const lo = set.contexts.offsets[e]!;
    const hi = set.contexts.offsets[e + 1]!;
    for (let c = lo; c < hi; c++) excluded[warmItems[set.contexts.items[c]!]!] = 1;
    const target = set.targets[e]!;
    excluded[target] = 0;
    const t = scores[target]!;
    let rank = 0;
    for (let i = 0; i < scores.length && rank < k; i++) {
      if (i === target || !candidate[i] || excluded[i]) continue;
      if (scores[i]! >= t) rank++;
    }
    if (rank < k) {
      hits++;
      gain += 1 / Math.log2(rank + 2);
    }
    for (let c = lo; c < hi; c++) excluded[warmItems[set.contexts.items[c]!]!] = 0;
  }
  return { hr: n > 0 ? hits / n : Number.NaN, ndcg: n > 0 ? gain / n : Number.NaN, examples: n };
}
