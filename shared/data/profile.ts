// What a dry run tells a user about their data before anything trains: sizes, the
// catalogue against what events mention, how long user histories are, how often people
// come back to an item, and what was rejected or left unread.
import type { RawDataset } from './raw-events';
import type { PreprocessResult } from './preprocess/preprocess';
import { WEIGHT_COLUMNS, type InteractionTable, type WeightColumn } from './types';

export interface Distribution {
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
  readonly mean: number;
}

export interface DatasetProfile {
  readonly users: number;
  /** items the model would learn (after pruning and filters) */
  readonly items: number;
  /** rows read per file (event, item and judgment files counted apart) */
  readonly rowsRead: Readonly<Record<string, number>>;
  readonly eventsValid: number;
  readonly eventsKept: number;
  /** distinct ids in the items file (0 without one) */
  readonly catalogue: number;
  readonly itemsWithoutEvents: number;
  readonly itemsPruned: number;
  readonly split: { readonly train: number; readonly valid: number; readonly test: number };
  /** kept events per user */
  readonly sequenceLength: Distribution;
  /** share of kept events whose item the same user already had an earlier event on */
  readonly repeatShare: number;
  /** share of test targets the user already interacted with in train or valid */
  readonly testRepeatShare: number;
  readonly rejects: number;
  readonly rejectsByReason: Readonly<Record<string, number>>;
  readonly unknownColumns: Readonly<Record<string, readonly string[]>>;
  /** items in the model with a price (what pretrain.encoder.priceBuckets buckets) */
  readonly itemsWithPrice: number;
  /** per magnitude column the events carry: kept events that give it, and its distribution over them */
  readonly weightColumns: Partial<Readonly<Record<WeightColumn, { readonly rows: number; readonly distribution: Distribution }>>>;
}

export function profileDataset(raw: RawDataset, result: PreprocessResult): DatasetProfile {
  const { dataset: ds, summary } = result;
  const perUser = new Int32Array(ds.numUsers);
  const splits = [ds.train, ds.valid, ds.test];
  for (const t of splits) for (let i = 0; i < t.length; i++) perUser[t.user[i]!]!++;

  // train, valid and test are successive in time for every user, so visiting them in that
  // order visits each user's events in order
  const seen = new Set<number>();
  const key = (t: InteractionTable, i: number) => t.user[i]! * ds.numItems + t.item[i]!;
  let repeats = 0;
  let testRepeats = 0;
  for (const t of splits) {
    const isTest = t === ds.test;
    const before = isTest ? new Set(seen) : seen;
    for (let i = 0; i < t.length; i++) {
      const k = key(t, i);
      if (seen.has(k)) repeats++;
      if (isTest && before.has(k)) testRepeats++;
      seen.add(k);
    }
  }
  const events = ds.train.length + ds.valid.length + ds.test.length;
  return {
    users: summary.users,
    items: summary.items,
    rowsRead: summary.rowsRead,
    eventsValid: summary.eventsValid,
    eventsKept: summary.eventsKept,
    catalogue: new Set(raw.items.map((i) => i.item.id)).size,
    itemsWithoutEvents: summary.itemsWithoutEvents,
    itemsPruned: summary.itemsPruned,
    split: { train: summary.split.train, valid: summary.split.valid, test: summary.split.test },
    sequenceLength: distributionOf(perUser),
    repeatShare: events > 0 ? repeats / events : 0,
    testRepeatShare: ds.test.length > 0 ? testRepeats / ds.test.length : 0,
    rejects: summary.rejects,
    rejectsByReason: summary.rejectsByReason,
    unknownColumns: summary.unknownColumns,
    itemsWithPrice: ds.itemPrice ? ds.itemPrice.reduce((n, p) => n + (Number.isNaN(p) ? 0 : 1), 0) : 0,
    weightColumns: weightColumnsOf(splits),
  };
}

function weightColumnsOf(splits: readonly InteractionTable[]): DatasetProfile['weightColumns'] {
  const out: Partial<Record<WeightColumn, { rows: number; distribution: Distribution }>> = {};
  for (const w of WEIGHT_COLUMNS) {
    if (!splits.some((t) => t[w])) continue;
    const given: number[] = [];
    for (const t of splits) {
      const col = t[w];
      if (col) for (const v of col) if (!Number.isNaN(v)) given.push(v);
    }
    out[w] = { rows: given.length, distribution: distributionOf(given) };
  }
  return out;
}

export function distributionOf(values: ArrayLike<number>): Distribution {
  if (values.length === 0) return { min: 0, p50: 0, p90: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { min: sorted[0]!, p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}
