// The datasets the valuation bench measures on, each as the preprocess step would produce it
// plus a 0/1 ground-truth flag per TRAINING row saying which rows are planted noise:
// - synthetic: the seeded shop generator with flipped labels and bot sessions, written as
//   JSONL and read back through loadSource, its truth.json mapped onto the train rows;
// - ml-100k / amazon-beauty: the real files (leave-last-out), optionally a seeded subsample
//   of users, with a fraction of training interactions replaced by uniformly random items.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSynthetic, loadSource, preprocess, writeSynthetic, type InteractionTable, type SplitDataset } from '../../shared/data';
import { Random } from '../../shared/random';
import { takeRows } from '../../shared/data/take-rows';
import type { DataSourceConfig } from '../../shared/data/source-config';
import { parseDataSourceConfig } from '../../shared/data/source-config';

export const REAL_DATASETS = ['ml-100k', 'amazon-beauty'] as const;
export type RealDataset = (typeof REAL_DATASETS)[number];

/** A dataset with its planted noise: noisy[j] = 1 when train row j is noise. */
export interface NoisyDataset {
  readonly ds: SplitDataset;
  readonly noisy: Uint8Array;
  /** what the noise is made of, e.g. { 'flipped label': 812, 'bot click': 377 } */
  readonly noiseKinds: Record<string, Uint8Array>;
  /** the source config the data was read with (the pipeline spec's `source`) */
  readonly source: DataSourceConfig;
}

export function realSource(name: RealDataset): DataSourceConfig {
  return parseDataSourceConfig({ format: name, dataset: name, preprocess: { split: { mode: 'leave-last-out' } } });
}

/** Reads and preprocesses a real dataset exactly as the preprocess step does. */
export async function loadReal(name: RealDataset): Promise<{ ds: SplitDataset; source: DataSourceConfig }> {
  const source = realSource(name);
  const { dataset } = await preprocess(await loadSource(source), source.preprocess);
  return { ds: dataset, source };
}

/** The rows `rows` of `t`, users and items renumbered through the maps (a sample's dense indices). */
function renumberedRows(t: InteractionTable, rows: Int32Array, userMap: Int32Array, itemMap: Int32Array): InteractionTable {
  const out = takeRows(t, rows);
  for (let k = 0; k < out.length; k++) {
    out.user[k] = userMap[out.user[k]!]!;
    out.item[k] = itemMap[out.item[k]!]!;
  }
  return out;
}

/**
 * A seeded sample of `users` users with everything they did (all three splits), users and
 * items re-indexed densely to those present, so the catalogue — and the softmax over it —
 * shrinks with the sample. Keeps the dataset's own split: leave-last-out stays per user.
 */
export function subsampleUsers(ds: SplitDataset, users: number, seed: number): SplitDataset {
  if (users >= ds.numUsers) return ds;
  const keepUser = new Uint8Array(ds.numUsers);
  for (const u of new Random(seed).sampleIndices(ds.numUsers, users)) keepUser[u] = 1;
  const userMap = new Int32Array(ds.numUsers).fill(-1);
  const userIds: string[] = [];
  for (let u = 0; u < ds.numUsers; u++) if (keepUser[u]) { userMap[u] = userIds.length; userIds.push(ds.userIds[u]!); }
  const rowsOf = (t: InteractionTable) => Int32Array.from({ length: t.length }, (_, j) => j).filter((j) => keepUser[t.user[j]!] === 1);
  const parts = [ds.train, ds.valid, ds.test].map((t) => ({ t, rows: rowsOf(t) }));
  const itemMap = new Int32Array(ds.numItems).fill(-1);
  const itemIds: string[] = [];
  const itemText: string[] = [];
  for (const { t, rows } of parts) {
    for (const j of rows) {
      const it = t.item[j]!;
      if (itemMap[it] === -1) { itemMap[it] = itemIds.length; itemIds.push(ds.itemIds[it]!); itemText.push(ds.itemText[it] ?? ''); }
    }
  }
  const [train, valid, test] = parts.map(({ t, rows }) => renumberedRows(t, rows, userMap, itemMap)) as [InteractionTable, InteractionTable, InteractionTable];
  let tokens = ds.tokens;
  if (tokens) {
    const offsets = new Int32Array(itemIds.length + 1);
    for (let it = 0; it < ds.numItems; it++) {
      const k = itemMap[it]!;
      if (k < 0) continue;
      offsets[k + 1] = tokens.offsets[it + 1]! - tokens.offsets[it]!;
    }
    for (let k = 0; k < itemIds.length; k++) offsets[k + 1] = offsets[k]! + offsets[k + 1]!;
    const flat = new Int32Array(offsets[itemIds.length]!);
    for (let it = 0; it < ds.numItems; it++) {
      const k = itemMap[it]!;
      if (k >= 0) flat.set(tokens.ids.subarray(tokens.offsets[it]!, tokens.offsets[it + 1]!), offsets[k]!);
    }
    tokens = { ...tokens, offsets, ids: flat };
  }
  // judgments (search data) do not survive re-indexing here; the bench's datasets have none
  return { ...ds, numUsers: userIds.length, numItems: itemIds.length, userIds, itemIds, itemText, train, valid, test, judgments: undefined, ...(tokens ? { tokens } : {}) };
}

/**
 * Replaces a seeded `fraction` of training interactions' items by items drawn from the
 * catalogue (never the original item): uniformly, or in proportion to their training
 * popularity (the harder variant: a popular item looks like a plausible interaction).
 * Spurious interactions, the noise implicit-feedback valuation targets. Validation and test
 * are untouched. Returns the new dataset and flags.
 */
export function plantRandomItems(ds: SplitDataset, fraction: number, seed: number, draw: 'uniform' | 'popularity' = 'uniform'): { ds: SplitDataset; noisy: Uint8Array } {
  const n = ds.train.length;
  const noisy = new Uint8Array(n);
  if (fraction === 0) return { ds, noisy };
  const rng = new Random(seed);
  const item = Int32Array.from(ds.train.item);
  const pick = draw === 'uniform' ? () => rng.int(ds.numItems) : () => ds.train.item[rng.int(n)]!;
  for (const j of rng.sampleIndices(n, Math.round(fraction * n))) {
    let replacement: number;
    do replacement = pick();
    while (replacement === item[j]);
    item[j] = replacement;
    noisy[j] = 1;
  }
  return { ds: { ...ds, train: { ...ds.train, item } }, noisy };
}

/**
 * Natural noise (the T-CE protocol, Wang et al., WSDM 2021): every rating is an interaction,
 * and those with relevance ≤ `maxNoisyRelevance` (ml-100k: 0 = ratings 1–2, 1 = ratings ≤ 3)
 * are the noisy ones — ground truth with nothing planted. Validation and test keep only
 * positive interactions, so a model is scored on what users liked.
 */
export function naturalNoise(ds: SplitDataset, maxNoisyRelevance: number): { ds: SplitDataset; noisy: Uint8Array } {
  const noisy = Uint8Array.from(ds.train.relevance, (r) => (r <= maxNoisyRelevance ? 1 : 0));
  const positives = (t: InteractionTable): InteractionTable => {
    const rows: number[] = [];
    for (let j = 0; j < t.length; j++) if (t.relevance[j]! > maxNoisyRelevance) rows.push(j);
    return takeRows(t, Int32Array.from(rows));
  };
  return { ds: { ...ds, valid: positives(ds.valid), test: positives(ds.test) }, noisy };
}

export interface SyntheticSizes {
  readonly users: number;
  readonly items: number;
  readonly categories: number;
  readonly sessionsPerUser: number;
  readonly queries: number;
}

/**
 * The synthetic shop at `fraction` noise: that fraction of flippable events flipped, plus bot
 * sessions adding about half as many bot clicks again (each bot session clicks 20–39 times).
 * Generated, written as JSONL, read back and preprocessed like any source; truth.json's
 * noisy event lines are matched to train rows by (user, item, timestamp, type).
 */
export async function syntheticWithNoise(sizes: SyntheticSizes, fraction: number, seed: number): Promise<NoisyDataset> {
  const approxEvents = sizes.users * sizes.sessionsPerUser * 6;
  const botSessions = Math.round((fraction * approxEvents) / 2 / 29.5);
  const data = generateSynthetic({ seed, ...sizes, noise: { flippedLabels: fraction, botSessions } });
  const dir = await mkdtemp(path.join(tmpdir(), 'assay-bench-synthetic-'));
  try {
    const files = await writeSynthetic(dir, data);
    const source = parseDataSourceConfig({ format: 'jsonl', name: 'synthetic', paths: { events: files.events, items: files.items }, preprocess: { split: { mode: 'leave-last-out' } } });
    const { dataset: ds } = await preprocess(await loadSource(source), source.preprocess);
    const truth = JSON.parse(await readFile(files.truth, 'utf8')) as { flippedLines: number[]; botLines: number[] };
    const lines = (await readFile(files.events, 'utf8')).split('\n');
    const keyOfLine = (line: number): string => {
      const e = JSON.parse(lines[line - 1]!) as { user: string; item: string; timestamp: number; type: string };
      return `${e.user}|${e.item}|${e.timestamp}|${e.type}`;
    };
    const kinds: [string, number[]][] = [['flipped label', truth.flippedLines], ['bot click', truth.botLines]];
    const kindOfKey = new Map<string, number>();
    kinds.forEach(([, ls], k) => ls.forEach((l) => kindOfKey.set(keyOfLine(l), k)));
    const EVENT = ['view', 'click', 'cart', 'purchase'];
    const t = ds.train;
    const noiseKinds: Record<string, Uint8Array> = Object.fromEntries(kinds.map(([name]) => [name, new Uint8Array(t.length)]));
    const noisy = new Uint8Array(t.length);
    for (let j = 0; j < t.length; j++) {
      const k = kindOfKey.get(`${ds.userIds[t.user[j]!]}|${ds.itemIds[t.item[j]!]}|${t.ts[j]}|${EVENT[t.type[j]!]}`);
      if (k === undefined) continue;
      noisy[j] = 1;
      noiseKinds[kinds[k]![0]]![j] = 1;
    }
    return { ds, noisy, noiseKinds, source };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
