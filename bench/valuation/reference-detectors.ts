// Detectors that train nothing, printed beside the values so a detection figure can be
// read against what is in reach:
// - item popularity: an interaction is as plausible as its item is frequent in training —
//   the floor a learned value has to clear;
// - co-occurrence: how often the interaction's item was seen together with each of the
//   user's other items (before or after it) by the *other* users — collaborative evidence
//   from both sides of the history, which a causal model's held-out score does not read;
// - an oracle of item and user noise rates: each interaction scored by the ground-truth share
//   of noise among the *other* interactions of its item and of its user (leave-one-out,
//   shrunk toward the overall rate, combined as naive-Bayes log-odds). It knows which items
//   and which users are noisy, never which interaction: a reference for how far knowing
//   the noise rates of items and users alone would go, not a bound on other values;
// - EASE (Steck, WWW 2019), the linear item-to-item model of the whole history: each
//   interaction scored from the user's other items, no training loop, where the catalogue
//   fits EASE's item limit;
// - models of the clean data: the same counts, and EASE, fitted on the clean rows only and
//   reading each user's clean history — what a detector that already knew the clean data
//   would read with these models. A detection target above them asks for a better model of
//   the users than these, not for a better use of the same one.
import type { InteractionTable } from '../../shared/data/types';
import { takeRows } from '../../shared/data/take-rows';
import { binaryUserItem } from '../../shared/eval/baselines/binary-user-item';
import { buildEase, easeConfigSchema } from '../../shared/eval/baselines/ease';
import { noiseDetectionQuality, type DetectionQuality } from '../../shared/valuation/detection';
import { averageRanks } from '../../shared/valuation/ranks';

/** pseudo-interactions at the overall rate that each leave-one-out share is shrunk with */
const SHRINK = 5;

export function popularityValues(train: InteractionTable, numItems: number): Float64Array {
  const count = new Float64Array(numItems);
  for (let j = 0; j < train.length; j++) count[train.item[j]!]!++;
  return Float64Array.from(train.item, (i) => count[i]!);
}

/**
 * Per interaction: the mean, over the user's other items, of how many other users have both.
 * Only the `counted` rows (all by default) make the counts and the users' histories.
 */
export function cooccurrenceValues(train: InteractionTable, numUsers: number, numItems: number, counted?: Uint8Array): Float64Array {
  const itemsOf = distinctItemsPerUser(train, numUsers, counted);
  const pairKey = (a: number, b: number) => (a < b ? a * numItems + b : b * numItems + a);
  const together = new Map<number, number>();
  for (const items of itemsOf) {
    for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++) {
      const key = pairKey(items[a]!, items[b]!);
      together.set(key, (together.get(key) ?? 0) + 1);
    }
  }
  return Float64Array.from({ length: train.length }, (_, j) => {
    const y = train.item[j]!;
    const items = itemsOf[train.user[j]!]!;
    // a counted interaction's own pairs are among the counts: leave them out
    const own = counted === undefined || counted[j] === 1 ? 1 : 0;
    let sum = 0;
    let others = 0;
    for (const k of items) {
      if (k === y) continue;
      sum += (together.get(pairKey(k, y)) ?? 0) - own;
      others++;
    }
    return others > 0 ? sum / others : 0;
  });
}

function distinctItemsPerUser(train: InteractionTable, numUsers: number, counted?: Uint8Array): Int32Array[] {
  const sets = Array.from({ length: numUsers }, () => new Set<number>());
  for (let j = 0; j < train.length; j++) if (counted === undefined || counted[j] === 1) sets[train.user[j]!]!.add(train.item[j]!);
  return sets.map((set) => Int32Array.from(set));
}

/** The rows of `train` that `keep` picks, every one an interaction (relevance 1). */
function rowsWhere(train: InteractionTable, keep: (j: number) => boolean): InteractionTable {
  const picked = takeRows(train, Int32Array.from({ length: train.length }, (_, j) => j).filter(keep));
  // EASE's matrix leaves out rows of relevance ≤ 0: natural noise is such rows, and a
  // detector that dropped them would read the ground truth
  return { ...picked, relevance: new Float32Array(picked.length).fill(1) };
}

/** EASE's inverse is cubic in the catalogue: its detectors run where the whole catalogue fits its item limit (docs/decisions/0013-ease-item-limit.md). */
export const EASE_MAX_ITEMS = easeConfigSchema.parse({}).maxItems;

/**
 * Each interaction in `scored` (the users `scoredUser` picks) scored by EASE fitted on `fit`,
 * from its user's items in `itemsOf`: Σ_k B[k, item]; B's zero diagonal keeps the item itself
 * out of its own score.
 */
function easeScores(fit: InteractionTable, itemsOf: readonly Int32Array[], numUsers: number, numItems: number, scored: InteractionTable, scoredUser: (user: number) => boolean, out: Float64Array): void {
  // every item kept, in index order: B's slot of an item is the item itself
  const { weights } = buildEase(binaryUserItem(fit, numUsers, numItems), { maxItems: numItems });
  for (let j = 0; j < scored.length; j++) {
    const user = scored.user[j]!;
    if (!scoredUser(user)) continue;
    const y = scored.item[j]!;
    let sum = 0;
    for (const k of itemsOf[user]!) sum += weights[k * numItems + y]!;
    out[j] = sum;
  }
}

/**
 * Values standardised within each user: the planted share of noise is the same in every
 * history, so a value only has to rank a user's own interactions, and a long history (whose
 * EASE sums run over more items) should not outrank a short one.
 */
export function standardisedWithinUser(values: Float64Array, user: Int32Array, numUsers: number): Float64Array {
  const count = new Float64Array(numUsers);
  const sum = new Float64Array(numUsers);
  const squares = new Float64Array(numUsers);
  for (let j = 0; j < values.length; j++) {
    count[user[j]!]!++;
    sum[user[j]!]! += values[j]!;
    squares[user[j]!]! += values[j]! * values[j]!;
  }
  return Float64Array.from(values, (v, j) => {
    const u = user[j]!;
    const mean = sum[u]! / count[u]!;
    const sd = Math.sqrt(Math.max(0, squares[u]! / count[u]! - mean * mean));
    return sd > 0 ? (v - mean) / sd : 0;
  });
}

/** EASE on all the training data, each interaction scored from the user's other items, standardised within the user. */
export function easeValues(train: InteractionTable, numUsers: number, numItems: number): Float64Array {
  const all = rowsWhere(train, () => true);
  const values = new Float64Array(train.length);
  easeScores(all, distinctItemsPerUser(all, numUsers), numUsers, numItems, train, () => true, values);
  return standardisedWithinUser(values, train.user, numUsers);
}

/** the clean-data EASE's user folds (user index mod 5): each user's rows are scored by a fit without that user */
const CLEAN_EASE_FOLDS = 5;

/**
 * EASE fitted on the other users' clean rows (user folds, so no interaction helps fit its own
 * score), each interaction scored from its user's clean items, standardised within the user.
 */
export function cleanDataEaseValues(train: InteractionTable, numUsers: number, numItems: number, noisy: Uint8Array): Float64Array {
  const clean = rowsWhere(train, (j) => noisy[j] === 0);
  const cleanItemsOf = distinctItemsPerUser(clean, numUsers);
  const values = new Float64Array(train.length);
  for (let fold = 0; fold < CLEAN_EASE_FOLDS; fold++) {
    const inFold = (user: number) => user % CLEAN_EASE_FOLDS === fold;
    easeScores(rowsWhere(clean, (j) => !inFold(clean.user[j]!)), cleanItemsOf, numUsers, numItems, train, inFold, values);
  }
  return standardisedWithinUser(values, train.user, numUsers);
}

/** Popularity and co-occurrence counted on the clean rows only (each row's own counts left out), their ranks averaged. */
export function cleanDataCountValues(train: InteractionTable, numUsers: number, numItems: number, noisy: Uint8Array): Float64Array {
  const clean = Uint8Array.from(noisy, (x) => 1 - x);
  const count = new Float64Array(numItems);
  for (let j = 0; j < train.length; j++) count[train.item[j]!]! += clean[j]!;
  const popularity = Float64Array.from({ length: train.length }, (_, j) => count[train.item[j]!]! - clean[j]!);
  const together = averageRanks(cooccurrenceValues(train, numUsers, numItems, clean));
  return averageRanks(popularity).map((r, j) => r + together[j]!);
}

export function itemUserNoiseOracle(train: InteractionTable, numUsers: number, numItems: number, noisy: Uint8Array): Float64Array {
  const n = train.length;
  const itemCount = new Float64Array(numItems);
  const itemNoisy = new Float64Array(numItems);
  const userCount = new Float64Array(numUsers);
  const userNoisy = new Float64Array(numUsers);
  let total = 0;
  for (let j = 0; j < n; j++) {
    itemCount[train.item[j]!]!++;
    itemNoisy[train.item[j]!]! += noisy[j]!;
    userCount[train.user[j]!]!++;
    userNoisy[train.user[j]!]! += noisy[j]!;
    total += noisy[j]!;
  }
  const logit = (p: number) => Math.log(p / (1 - p));
  return Float64Array.from({ length: n }, (_, j) => {
    const i = train.item[j]!;
    const u = train.user[j]!;
    // every count without interaction j: its own flag never enters its value
    const base = (total - noisy[j]!) / (n - 1);
    const shrunk = (noisyOthers: number, others: number) => (noisyOthers + SHRINK * base) / (others + SHRINK);
    const item = shrunk(itemNoisy[i]! - noisy[j]!, itemCount[i]! - 1);
    const user = shrunk(userNoisy[u]! - noisy[j]!, userCount[u]! - 1);
    // higher value = more plausible, as every valuation
    return -(logit(item) + logit(user) - logit(base));
  });
}

/** what a reference reads: the training data only, or the ground truth as well */
export type ReferenceKind = 'no model' | 'oracle' | 'clean-data model';

export interface ReferenceDetection {
  readonly label: string;
  readonly kind: ReferenceKind;
  readonly quality: DetectionQuality;
  readonly seconds: number;
}

export function referenceDetection(train: InteractionTable, numUsers: number, numItems: number, noisy: Uint8Array): ReferenceDetection[] {
  const timed = (label: string, kind: ReferenceKind, values: () => Float64Array): ReferenceDetection => {
    const started = performance.now();
    const v = values();
    return { label, kind, quality: noiseDetectionQuality(v, noisy), seconds: (performance.now() - started) / 1000 };
  };
  const easeFits = numItems <= EASE_MAX_ITEMS;
  return [
    timed('item popularity (no model)', 'no model', () => popularityValues(train, numItems)),
    timed("co-occurrence with the user's other items, counted over the other users (no model)", 'no model', () => cooccurrenceValues(train, numUsers, numItems)),
    ...(easeFits ? [timed("EASE from the user's other items, standardised within the user (no training loop)", 'no model', () => easeValues(train, numUsers, numItems))] : []),
    timed("oracle: the item's and the user's noise share, leave-one-out (reads the ground truth)", 'oracle', () => itemUserNoiseOracle(train, numUsers, numItems, noisy)),
    timed('model of the clean data: popularity and co-occurrence counted on the clean rows, ranks averaged (reads the ground truth)', 'clean-data model', () => cleanDataCountValues(train, numUsers, numItems, noisy)),
    ...(easeFits ? [timed(`model of the clean data: EASE fitted on the other users' clean rows (${CLEAN_EASE_FOLDS} user folds), clean histories (reads the ground truth)`, 'clean-data model', () => cleanDataEaseValues(train, numUsers, numItems, noisy))] : []),
  ];
}
