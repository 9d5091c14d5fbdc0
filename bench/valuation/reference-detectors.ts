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
//   the noise rates of items and users alone would go, not a bound on other values.
import type { InteractionTable } from '../../shared/data/types';
import { noiseDetectionQuality, type DetectionQuality } from '../../shared/valuation/detection';

/** pseudo-interactions at the overall rate that each leave-one-out share is shrunk with */
const SHRINK = 5;

export function popularityValues(train: InteractionTable, numItems: number): Float64Array {
  const count = new Float64Array(numItems);
  for (let j = 0; j < train.length; j++) count[train.item[j]!]!++;
  return Float64Array.from(train.item, (i) => count[i]!);
}

/** Per interaction: the mean, over the user's other items, of how many other users have both. */
export function cooccurrenceValues(train: InteractionTable, numUsers: number, numItems: number): Float64Array {
  const itemsOf = distinctItemsPerUser(train, numUsers);
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
    let sum = 0;
    // the user's own pair is one of the counted ones: leave it out
    for (const k of items) if (k !== y) sum += together.get(pairKey(k, y))! - 1;
    return items.length > 1 ? sum / (items.length - 1) : 0;
  });
}

function distinctItemsPerUser(train: InteractionTable, numUsers: number): Int32Array[] {
  const sets = Array.from({ length: numUsers }, () => new Set<number>());
  for (let j = 0; j < train.length; j++) sets[train.user[j]!]!.add(train.item[j]!);
  return sets.map((set) => Int32Array.from(set));
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

export function referenceDetection(train: InteractionTable, numUsers: number, numItems: number, noisy: Uint8Array): { label: string; quality: DetectionQuality; seconds: number }[] {
  const timed = (label: string, values: () => Float64Array) => {
    const started = performance.now();
    const v = values();
    return { label, quality: noiseDetectionQuality(v, noisy), seconds: (performance.now() - started) / 1000 };
  };
  return [
    timed('item popularity (no model)', () => popularityValues(train, numItems)),
    timed("co-occurrence with the user's other items, counted over the other users (no model)", () => cooccurrenceValues(train, numUsers, numItems)),
    timed("oracle: the item's and the user's noise share, leave-one-out (reads the ground truth)", () => itemUserNoiseOracle(train, numUsers, numItems, noisy)),
  ];
}
