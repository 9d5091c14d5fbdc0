// Step 4 of the method (docs/architecture.md §1): supervised next-item ranking from the pretrained
// encoder. Each training interaction i of user u is one example: the context is u's
// earlier train interactions (plus the search query when i followed one); the target is
// i's item, scored against the catalogue by the same tied dot product used at inference.
// The encoder switches to causal attention here (SASRec, Kang & McAuley, ICDM 2018): one
// pass over a row [[MASK]=start, x1, ([SEP] q…)?, x2, …] yields the context of every
// interaction at the position just before its item, so an epoch costs one encoder pass
// per row of up to maxLen symbols instead of one per interaction (~maxLen× less work;
// docs/decisions/0005-causal-fine-tuning.md).
// The value-weighted objective is one call:
//   min_θ Σ_{i∈S} (1 + λ·α·v̂_i) · ℓ(M_θ(x_i), y_i)
// with `examples.indices` = S and `examples.weights` = (1 + λ·α·v̂_i); λ = 0 over every
// interaction is plain fine-tuning. Interactions outside S still appear as context.
import * as tf from '@tensorflow/tfjs';
import type { InteractionTable, Matrix } from '../data/types';
import { orderByUserTime } from '../data/preprocess/sequences';
import type { Random } from '../random';
import { FinetuneConfigSchema, parseConfig, type FinetuneConfig, type FinetuneConfigInput } from './config';
import type { LoopData, LoopInput } from './loop-data';
import { causalCopy, encode, exportWeights, itemTable, type NamedWeights, type RecModel } from './encoder';
import { fingerprintArrays } from './fingerprint';
import { loadModel } from './load-model';
import { countsOf, samplerFor, type NegativeSampler } from './negative-sampler';
import { gatherRows, softmaxLoss, type TargetStandings } from './kernels';
import { itemEmbeddings } from './scoring';
import { runEpochs, type TrainingRun } from './training-loop';
import { assertTokenCsr, FIRST_ITEM_ROW, itemRow, MASK_ROW, SEP_ROW, tokenRow, type TokenCsr } from './vocabulary';

export interface FinetuneExamples {
  /** indices into data.train of the interactions whose loss is trained on (S) */
  readonly indices: Int32Array;
  /** per-example loss weight, same length as indices, finite and ≥ 0 */
  readonly weights: Float32Array;
}

export interface FinetuneData {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
  /** defaults to every train interaction with weight 1 */
  readonly examples?: FinetuneExamples;
  /** token ids per dense query index, used for interactions whose `query` ≥ 0 */
  readonly queryTokens?: TokenCsr;
  /**
   * when given (epochs × train.length, on a SharedArrayBuffer so data-parallel threads write it
   * too), entry [e·n + j] receives the loss of train interaction j as a target in epoch e
   * (unweighted, with dropout, as the training step computed it); untouched where j is not a target
   */
  readonly lossLog?: Float32Array;
  /** like lossLog, each target's margin over the best other item and its rank (kernels/softmax-loss.ts TargetStandings) */
  readonly marginLog?: Float32Array;
  readonly rankLog?: Float32Array;
}

export interface FinetuneResult {
  readonly model: RecModel;
  readonly itemEmbeddings: Matrix;
  readonly weights: NamedWeights;
  readonly config: FinetuneConfig;
  readonly checkpointDir: string | null;
  readonly epochsDone: number;
  readonly lossHistory: number[];
  readonly stopped: boolean;
  readonly examplesPerSecond: number;
}

/** Train interactions ordered by (user, time, row) — the order of sequencesOf — with each user's slice: the contexts. */
export interface TimeOrder {
  readonly order: Int32Array;
  /** rank of interaction j inside `order` */
  readonly rank: Int32Array;
  /** userStart[u]..userStart[u+1] is u's slice of `order` */
  readonly userStart: Int32Array;
  /** items in `order` order (a UserSequences.items for the train split) */
  readonly items: Int32Array;
}

export function timeOrder(table: InteractionTable, numUsers: number): TimeOrder {
  const n = table.length;
  const order = orderByUserTime(table.user, table.ts);
  const rank = new Int32Array(n);
  const items = new Int32Array(n);
  const userStart = new Int32Array(numUsers + 1);
  for (let r = 0; r < n; r++) {
    const j = order[r] as number;
    rank[j] = r;
    items[r] = table.item[j] as number;
    const u = table.user[j] as number;
    if (u < 0 || u >= numUsers) throw new Error(`finetune: train.user[${j}]=${u} is outside [0, numUsers=${numUsers})`);
    userStart[u + 1] = (userStart[u + 1] as number) + 1;
  }
  for (let u = 0; u < numUsers; u++) userStart[u + 1] = (userStart[u + 1] as number) + (userStart[u] as number);
  return { order, rank, userStart, items };
}

function validateExamples(data: FinetuneData): FinetuneExamples {
  const n = data.train.length;
  if (!data.examples) {
    const indices = new Int32Array(n);
    for (let i = 0; i < n; i++) indices[i] = i;
    return { indices, weights: new Float32Array(n).fill(1) };
  }
  const { indices, weights } = data.examples;
  if (indices.length !== weights.length) throw new Error(`finetune: examples.indices has ${indices.length} entries but examples.weights has ${weights.length}; give one weight per example`);
  if (indices.length === 0) throw new Error('finetune: examples.indices is empty; select at least one training interaction');
  for (let k = 0; k < indices.length; k++) {
    const j = indices[k] as number;
    if (j < 0 || j >= n) throw new Error(`finetune: examples.indices[${k}]=${j} is outside the ${n} train interactions`);
    const w = weights[k] as number;
    if (!Number.isFinite(w) || w < 0) throw new Error(`finetune: examples.weights[${k}]=${w} must be finite and ≥ 0`);
  }
  return { indices, weights };
}

/**
 * Rows of consecutive train interactions of one user, cut from the newest backwards so each
 * feeds at most maxLen input symbols to the encoder (start symbol, items, query segments; the
 * newest item is only a target, see FinetunePlan.rowSymbols). Only rows holding a selected
 * example are kept, each with its input symbol count (its padded length, FinetunePlan.rowSymbols).
 * `rank` bounds index TimeOrder.order.
 */
export function finetuneRows(t: TimeOrder, symbolsOf: (rank: number) => number, selected: Float32Array, maxLen: number): { start: Int32Array; end: Int32Array; inputs: Int32Array } {
  const starts: number[] = [];
  const ends: number[] = [];
  const inputs: number[] = [];
  const users = t.userStart.length - 1;
  for (let u = 0; u < users; u++) {
    const lo = t.userStart[u] as number;
    let end = t.userStart[u + 1] as number;
    while (end > lo) {
      let used = 1;
      let start = end;
      // ≤ maxLen + 1: the newest item's own symbol is not fed to the encoder
      while (start > lo && used + symbolsOf(start - 1) <= maxLen + 1) used += symbolsOf(--start);
      let any = false;
      for (let r = start; r < end && !any; r++) any = (selected[r] as number) > 0;
      if (any) {
        starts.push(start);
        ends.push(end);
        inputs.push(used - 1);
      }
      end = start;
    }
  }
  return { start: Int32Array.from(starts), end: Int32Array.from(ends), inputs: Int32Array.from(inputs) };
}

export interface FinetunePlan {
  readonly order: TimeOrder;
  readonly rows: { start: Int32Array; end: Int32Array };
  /**
   * input symbols of each row (its padded length): the start symbol and every interaction's
   * symbols except the newest item's own. That item is only predicted, so the row's last
   * column is the position predicting it — as at inference, where the context's newest item
   * sits in the last column (position maxLen-1) and its hidden state ranks the next one. Were
   * the newest item kept as an input, position maxLen-1 would never get a target in
   * fine-tuning, and inference would read an output the loss had never shaped.
   */
  readonly rowSymbols: Int32Array;
  /** summed example weight per rank (0 for context-only interactions) */
  readonly weightByRank: Float32Array;
  /** times each rank was selected (duplicates in examples.indices add up) */
  readonly countByRank: Float32Array;
  readonly queryOf: (rank: number) => Int32Array | null;
  /** draws the sampled softmax's negatives over the items */
  readonly sampler: NegativeSampler;
  /**
   * predicted positions per row over the whole epoch. A batch's loss is Σ w·ℓ over its targets
   * divided by its rows × this, not by its own target count: batches group rows of similar
   * length, so a batch of 3-item histories holds ~10× fewer targets than one of 40-item
   * histories, and a per-batch mean weighed each of its targets ~10× more. Divided this way,
   * every target weighs the same over an epoch, as the objective Σ w_i·ℓ_i says (and as
   * randomly mixed batches would give). Amazon Beauty, validation HR@10 after 4 / 6 / 8 epochs
   * (no pretraining, 4096 negatives): 0.0507 / 0.0582 / – per batch, 0.0491 / 0.0619 / 0.0636
   * this way, a high the per-batch mean never reached (0.0599 at best, bench/quality.ts).
   */
  readonly targetsPerRow: number;
  /** examples selected (duplicates counted) */
  readonly examples: number;
}

/** The encoder input of a batch of rows and, per predicted position, its target and summed weight. */
export interface RowBatch {
  readonly ids: Int32Array;
  readonly batch: number;
  readonly len: number;
  /** flat index into the [batch·len] hidden states of each predicted position */
  readonly positions: Int32Array;
  readonly targets: Int32Array;
  readonly weights: Float32Array;
  /** rank (TimeOrder.order index) of each predicted interaction */
  readonly ranks: Int32Array;
}

export function rowBatch(model: RecModel, plan: FinetunePlan, samples: Int32Array): RowBatch {
  const { order, rows, rowSymbols, weightByRank, countByRank, queryOf } = plan;
  let len = 2;
  for (const s of samples) len = Math.max(len, rowSymbols[s] as number);
  const batch = samples.length;
  const ids = new Int32Array(batch * len);
  const positions: number[] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  const ranks: number[] = [];
  for (let b = 0; b < batch; b++) {
    const s = samples[b] as number;
    let pos = b * len + len - (rowSymbols[s] as number);
    ids[pos++] = MASK_ROW;
    for (let r = rows.start[s] as number; r < (rows.end[s] as number); r++) {
      const q = queryOf(r);
      if (q && q.length > 0) {
        ids[pos++] = SEP_ROW;
        for (const token of q) ids[pos++] = tokenRow(model.vocabulary, token);
      }
      const count = countByRank[r] as number;
      if (count > 0) {
        positions.push(pos - 1);
        targets.push(order.items[r] as number);
        weights.push(weightByRank[r] as number);
        ranks.push(r);
      }
      // the row's newest item is only a target: see FinetunePlan.rowSymbols
      if (r + 1 < (rows.end[s] as number)) ids[pos++] = itemRow(order.items[r] as number);
    }
  }
  return { ids, batch, len, positions: Int32Array.from(positions), targets: Int32Array.from(targets), weights: Float32Array.from(weights), ranks: Int32Array.from(ranks) };
}

/** The truncated loss's drop share in (0-based) `epoch`: its rate, reached linearly over the warm-up epochs. */
export function truncationShare(cfg: FinetuneConfig, epoch: number): number {
  if (!cfg.truncate) return 0;
  const { rate, warmupEpochs } = cfg.truncate;
  return warmupEpochs === 0 ? rate : rate * Math.min(1, epoch / warmupEpochs);
}

/** A reader of per-target figures that writes them to `log` at [epoch·n + interaction]. */
function logger(log: Float32Array | undefined, plan: FinetunePlan, ranks: Int32Array, epoch: number): ((figures: Float64Array | Int32Array) => void) | undefined {
  if (!log) return undefined;
  const n = plan.order.order.length;
  return (figures) => figures.forEach((v, i) => { log[epoch * n + (plan.order.order[ranks[i] as number] as number)] = v; });
}

function rowLoss(model: RecModel, plan: FinetunePlan, samples: Int32Array, cfg: FinetuneConfig, rng: Random, epoch: number, logs: Pick<FinetuneData, 'lossLog' | 'marginLog' | 'rankLog'>): tf.Scalar {
  const { ids, batch, len, positions, targets, weights, ranks } = rowBatch(model, plan, samples);
  const observe = logger(logs.lossLog, plan, ranks, epoch);
  const logMargin = logger(logs.marginLog, plan, ranks, epoch);
  const logRank = logger(logs.rankLog, plan, ranks, epoch);
  const observeStandings = logMargin || logRank ? (s: TargetStandings) => { logMargin?.(s.margin); logRank?.(s.rank); } : undefined;
  // with item text, inputs and tied outputs read one table, drawn once (its id dropout must be the same for both)
  const table = model.itemText ? itemTable(model, cfg.idDropout ? { rate: cfg.idDropout, rng } : undefined) : undefined;
  const hidden = gatherRows(encode(model, ids, batch, len, { training: true, rng, ...(table && { table }) }), positions);
  const block = { table: table ?? itemTable(model), firstRow: FIRST_ITEM_ROW, classes: model.vocabulary.numItems, sampler: plan.sampler };
  // softmaxLoss divides by the batch's targets; this turns that into batch rows × targetsPerRow
  const scale = targets.length / (batch * plan.targetsPerRow);
  return softmaxLoss(block, hidden, targets, weights.map((w) => w * scale), cfg.loss, rng, { dropLargest: truncationShare(cfg, epoch), observe, observeStandings });
}

/** The rows, weights and negative sampler of validated fine-tuning data (built per thread). */
export function finetunePlan(data: FinetuneData, cfg: FinetuneConfig, maxLen: number): FinetunePlan {
  const train = data.train;
  const examples = validateExamples(data);
  const order = timeOrder(train, data.numUsers);
  const weightByRank = new Float32Array(train.length);
  const countByRank = new Float32Array(train.length);
  for (let k = 0; k < examples.indices.length; k++) {
    const r = order.rank[examples.indices[k] as number] as number;
    weightByRank[r] = (weightByRank[r] as number) + (examples.weights[k] as number);
    countByRank[r] = (countByRank[r] as number) + 1;
  }
  const q = data.queryTokens;
  const queryOf = (rank: number): Int32Array | null => {
    const qi = train.query[order.order[rank] as number] as number;
    if (!q || qi < 0) return null;
    const lo = q.offsets[qi] as number;
    return q.ids.subarray(lo, Math.min(q.offsets[qi + 1] as number, lo + cfg.maxQueryTokens));
  };
  // an interaction takes its item's position, plus [SEP] and the query tokens when it followed a search
  const symbolsOf = (r: number) => { const qr = queryOf(r); return 1 + (qr && qr.length > 0 ? 1 + qr.length : 0); };
  const rows = finetuneRows(order, symbolsOf, countByRank, maxLen);
  const sampler = samplerFor(cfg.loss, data.numItems, () => countsOf(order.items, data.numItems));
  let targets = 0;
  for (let r = 0; r < countByRank.length; r++) if ((countByRank[r] as number) > 0) targets++;
  return { order, rows, rowSymbols: rows.inputs, weightByRank, countByRank, queryOf, sampler, targetsPerRow: targets / rows.start.length, examples: examples.indices.length };
}

/**
 * The fine-tuning rows of validated data and the loss of a batch of them on `model`: built
 * once here, and once more on each data-parallel thread's replica (data-parallel/).
 */
export function finetuneLoopData(input: unknown, model: RecModel): LoopData {
  const { data, cfg } = input as LoopInput<FinetuneData, FinetuneConfig>;
  const plan = finetunePlan(data, cfg, model.encoder.maxLen);
  return {
    numSamples: plan.rows.start.length,
    examplesPerEpoch: plan.examples,
    lengthOf: (s) => plan.rowSymbols[s] as number,
    batchLoss: (samples, rng, epoch) => rowLoss(model, plan, samples, cfg, rng, epoch, data),
  };
}

/**
 * Fine-tunes a copy of `init` (a pretrained model, or a checkpoint directory holding one);
 * `init` itself is left unchanged.
 */
export async function finetune(
  data: FinetuneData,
  init: RecModel | string,
  configInput: FinetuneConfigInput,
  run: TrainingRun,
): Promise<FinetuneResult> {
  const cfg = parseConfig(FinetuneConfigSchema, configInput, 'finetune');
  const source = typeof init === 'string' ? (await loadModel(init)).model : init;
  if (source.vocabulary.numItems !== data.numItems) {
    throw new Error(`finetune: the pretrained model knows ${source.vocabulary.numItems} items but the data has numItems=${data.numItems}; pretrain on the same item vocabulary`);
  }
  if (data.queryTokens) {
    if (source.vocabulary.vocabSize === 0) throw new Error('finetune: queryTokens need a model pretrained with item text (its token vocabulary is empty)');
    assertTokenCsr(data.queryTokens, data.queryTokens.offsets.length - 1, 'finetune: queryTokens');
    if (data.queryTokens.vocabSize !== source.vocabulary.vocabSize) throw new Error(`finetune: queryTokens.vocabSize=${data.queryTokens.vocabSize} differs from the model's ${source.vocabulary.vocabSize}; tokenize queries with the pretraining tokenizer`);
    if (cfg.maxQueryTokens + 3 > source.encoder.maxLen) throw new Error(`finetune: maxQueryTokens + 3 (start, [SEP], item) exceeds encoder.maxLen=${source.encoder.maxLen}; lower maxQueryTokens`);
  }
  const train = data.train;
  for (let j = 0; j < train.length; j++) {
    const it = train.item[j] as number;
    if (it < 0 || it >= data.numItems) throw new Error(`finetune: train.item[${j}]=${it} is outside [0, numItems=${data.numItems})`);
  }
  const examples = validateExamples(data);
  for (const [name, log] of [['lossLog', data.lossLog], ['marginLog', data.marginLog], ['rankLog', data.rankLog]] as const) {
    if (log && log.length !== cfg.epochs * train.length) throw new Error(`finetune: ${name} has ${log.length} entries; give epochs × train interactions = ${cfg.epochs * train.length}`);
  }
  // causal attention from here on: see the header comment
  const model = causalCopy(source);
  if (typeof init === 'string') for (const v of source.params.values()) v.dispose();
  const input: LoopInput<FinetuneData, FinetuneConfig> = { data, cfg };
  const loop = await runEpochs(
    {
      kind: 'finetune',
      model,
      seed: cfg.seed,
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      optimizer: cfg.optimizer,
      config: cfg,
      dataFingerprint: fingerprintArrays([data.numUsers, data.numItems, train.user, train.item, train.ts, train.query, examples.indices, examples.weights, data.queryTokens?.offsets, data.queryTokens?.ids]),
      threads: cfg.threads,
      replica: { module: __filename, builder: 'finetuneLoopData', input },
      ...finetuneLoopData(input, model),
    },
    run,
  );
  return { model, itemEmbeddings: itemEmbeddings(model), weights: exportWeights(model), config: cfg, ...loop };
}
