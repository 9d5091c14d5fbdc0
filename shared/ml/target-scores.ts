// How a fine-tuned (causal) model judges each training interaction it is shown: the
// log-probability of the interaction's item under the full softmax over the catalogue, given
// the user's earlier items, and the share of the catalogue the item outranks. One encoder
// pass per fine-tuning row gives every interaction's context at once (the rows finetune.ts
// trains on), so scoring every training interaction costs about one inference epoch.
//   logits = h_j · E_itemsᵀ          (h_j: hidden state before interaction j; E: tied table)
//   logProb_j = logits[y_j] − log Σ_i exp(logits[i])
//   outranks_j = |{i : logits[i] < logits[y_j]}| / (numItems − 1)
// With `candidates` (a fixed sample C of the catalogue, the same for every row so the scores
// stay comparable across interactions) both are estimated from C instead of every item:
//   outranks_j ≈ |{i ∈ C, i ≠ y_j : logits[i] < logits[y_j]}| / |C \ {y_j}|
//   log Σ_{i≠y_j} exp(logits[i]) ≈ log Σ_{i∈C, i≠y_j} exp(logits[i]) + log((numItems − 1) / |C \ {y_j}|)
// The outranked share is unbiased; the normaliser is consistent. On a catalogue of 54k items
// the full pass costs more than the warm-ups it scores for (docs/decisions/0017-sampled-target-scores.md).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import { FinetuneConfigSchema, parseConfig, type FinetuneConfigInput } from './config';
import { encodeWithLastBlock, itemTable, type RecModel } from './encoder';
import { finetunePlan, rowBatch, type FinetuneData } from './finetune';
import { gatherRows } from './kernels';
import { FIRST_ITEM_ROW } from './vocabulary';
import type { Rng } from '../random';

export interface TargetScores {
  /** per train row j (data.train order): log p(item_j | context_j) */
  readonly logProb: Float64Array;
  /** per train row j: the share of other items scored below item_j, in [0, 1] */
  readonly outranks: Float64Array;
}

/**
 * Scores `data.examples` (default: every train interaction) with `model` in inference mode.
 * Rows that are not examples keep NaN. `rowsPerBatch` bounds the [targets × items scored]
 * logits held at once. `candidates`: distinct catalogue items to estimate both figures from
 * (the header's estimators); none, or as many as the catalogue, scores against every item.
 */
export async function scoreTargets(model: RecModel, data: FinetuneData, configInput: FinetuneConfigInput = {}, rowsPerBatch = 64, candidates?: Int32Array): Promise<TargetScores> {
  const n = data.train.length;
  const logProb = new Float64Array(n).fill(Number.NaN);
  const outranks = new Float64Array(n).fill(Number.NaN);
  if (candidates) checkCandidates(candidates, model.vocabulary.numItems);
  const sampled = candidates !== undefined && candidates.length < model.vocabulary.numItems ? candidateItems(model, candidates) : undefined;
  const itemsT = sampled ? sampled.itemsT : transposedItems(model);
  try {
    await forEachTargetBatch(model, data, configInput, rowsPerBatch, (hidden, targets, rows) => {
      const scored = sampled ? scoreHiddenSampled(hidden, sampled, targets) : scoreHidden(() => hidden, itemsT, targets);
      rows.forEach((j, t) => {
        logProb[j] = scored.logProb[t] as number;
        outranks[j] = scored.outranks[t] as number;
      });
    });
  } finally {
    itemsT.dispose();
    sampled?.ids.dispose();
    sampled?.items.dispose();
  }
  return { logProb, outranks };
}

/** `count` distinct catalogue items drawn by `rng`, ascending: the candidates of a sampled scoring pass. */
export function drawCandidates(numItems: number, count: number, rng: Rng): Int32Array {
  return rng.sampleIndices(numItems, Math.min(count, numItems)).sort();
}

interface Candidates {
  /** the candidates' item rows, transposed [dim × |C|] */
  readonly itemsT: tf.Tensor2D;
  /** the candidates' item indices [1 × |C|] */
  readonly ids: tf.Tensor2D;
  /** every item's row [numItems × dim], for the targets' exact logits (computed once: with item text or prices the table is a product) */
  readonly items: tf.Tensor2D;
}

function checkCandidates(candidates: Int32Array, numItems: number): void {
  // one candidate that is the target itself would leave nothing to compare it with
  if (candidates.length < 2) throw new Error(`scoreTargets: ${candidates.length} candidate items; a sample needs at least 2`);
  const seen = new Uint8Array(numItems);
  for (const i of candidates) {
    if (i < 0 || i >= numItems) throw new Error(`scoreTargets: candidate item ${i} is outside the catalogue [0, ${numItems})`);
    // a repeated item would count twice in the outranked share and in the normaliser
    if (seen[i]) throw new Error(`scoreTargets: candidate item ${i} appears twice; draw the sample without replacement (drawCandidates)`);
    seen[i] = 1;
  }
}

function candidateItems(model: RecModel, candidates: Int32Array): Candidates {
  return tf.tidy(() => {
    const items = tf.slice(itemTable(model), [FIRST_ITEM_ROW, 0], [model.vocabulary.numItems, model.encoder.dim]) as tf.Tensor2D;
    return {
      itemsT: tf.transpose(tf.gather(items, tf.tensor1d(candidates, 'int32'))) as tf.Tensor2D,
      ids: tf.tensor2d(candidates, [1, candidates.length], 'int32'),
      items,
    };
  });
}

/** scoreHidden's two figures estimated from the candidates (the estimators in the header). */
function scoreHiddenSampled(hidden: tf.Tensor2D, candidates: Candidates, targets: Int32Array): { logProb: Float32Array; outranks: Float32Array } {
  const others = candidates.items.shape[0] - 1;
  const [logProbT, outranksT] = tf.tidy(() => {
    const logits = tf.matMul(hidden, candidates.itemsT);
    const targetRows = tf.gather(candidates.items, tf.tensor1d(targets, 'int32'));
    const target = tf.sum(tf.mul(hidden, targetRows), 1, true);
    const isTarget = tf.equal(candidates.ids, tf.tensor2d(targets, [targets.length, 1], 'int32'));
    const counted = tf.sub(candidates.ids.shape[1], tf.sum(tf.cast(isTarget, 'float32'), 1, true));
    const below = tf.sum(tf.cast(tf.logicalAnd(tf.less(logits, target), tf.logicalNot(isTarget)), 'float32'), 1, true);
    const rest = tf.add(tf.logSumExp(tf.where(isTarget, tf.fill(logits.shape, Number.NEGATIVE_INFINITY), logits), 1, true), tf.log(tf.div(others, counted)));
    const logProb = tf.sub(target, tf.logSumExp(tf.concat([target, rest], 1), 1, true));
    return [logProb.reshape([-1]), tf.div(below, counted).reshape([-1])];
  });
  const logProb = logProbT.dataSync() as Float32Array;
  const outranks = outranksT.dataSync() as Float32Array;
  logProbT.dispose();
  outranksT.dispose();
  return { logProb, outranks };
}

/** At each predicted position, what the last block's output projection read and the residual stream the final layer norm read (encoder.ts encodeWithLastBlock). */
export interface LastBlockStates {
  readonly inner: tf.Tensor2D;
  readonly residual: tf.Tensor2D;
}

/**
 * Calls `visit` with the inference-mode hidden states [m × dim] of `data.examples` (default:
 * every train interaction), `rowsPerBatch` fine-tuning rows at a time, with each one's target
 * item and train row j — and, with `withLastBlock`, the last block's states at the same
 * positions; the tensors are disposed after `visit` returns.
 */
export async function forEachTargetBatch(model: RecModel, data: FinetuneData, configInput: FinetuneConfigInput, rowsPerBatch: number, visit: (hidden: tf.Tensor2D, targets: Int32Array, rows: Int32Array, lastBlock?: LastBlockStates) => void, withLastBlock = false): Promise<void> {
  if (!model.encoder.causal) throw new Error('scoreTargets: needs a fine-tuned (causal) model; a pretrained bidirectional encoder reads contexts at [MASK]');
  const cfg = parseConfig(FinetuneConfigSchema, configInput, 'finetune');
  const plan = finetunePlan(data, cfg, model.encoder.maxLen);
  const samples = plan.rows.start.length;
  for (let s0 = 0; s0 < samples; s0 += rowsPerBatch) {
    const chunk = Int32Array.from({ length: Math.min(rowsPerBatch, samples - s0) }, (_, k) => s0 + k);
    const rows = rowBatch(model, plan, chunk);
    const [hidden, inner, residual] = tf.tidy(() => {
      const states = encodeWithLastBlock(model, [{ ids: rows.ids, batch: rows.batch, len: rows.len }], { training: false });
      const at = (t: tf.Tensor) => gatherRows(t, rows.positions) as tf.Tensor2D;
      return withLastBlock ? [at(states.hidden), at(states.inner), at(states.residual)] : [at(states.hidden)];
    });
    try {
      visit(hidden!, rows.targets, Int32Array.from(rows.ranks, (r) => plan.order.order[r] as number), inner && residual ? { inner, residual } : undefined);
    } finally {
      tf.dispose([hidden!, ...(inner && residual ? [inner, residual] : [])]);
    }
    await yieldToEventLoop();
  }
}

/** The item rows of the tied table, transposed [dim × numItems]: the output layer's classes. */
export function transposedItems(model: RecModel): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(tf.slice(itemTable(model), [FIRST_ITEM_ROW, 0], [model.vocabulary.numItems, model.encoder.dim])));
}

/**
 * The full-softmax log-probability of each target and the share of the catalogue it outranks,
 * from hidden states [m × dim] and the transposed item table [dim × numItems].
 */
function scoreHidden(hidden: () => tf.Tensor, itemsT: tf.Tensor2D, targets: Int32Array): { logProb: Float32Array; outranks: Float32Array } {
  const numItems = itemsT.shape[1];
  const [logProbT, outranksT] = tf.tidy(() => {
    const logits = tf.matMul(hidden() as tf.Tensor2D, itemsT);
    const target = tf.gather(logits.reshape([-1]), tf.tensor1d(Int32Array.from(targets, (y, t) => t * numItems + y), 'int32')).reshape([-1, 1]);
    const logProb = tf.sub(target, tf.logSumExp(logits, 1, true)).reshape([-1]);
    const below = tf.sum(tf.cast(tf.less(logits, target), 'float32'), 1);
    return [logProb, tf.div(below, Math.max(1, numItems - 1))];
  });
  const logProb = logProbT.dataSync() as Float32Array;
  const outranks = outranksT.dataSync() as Float32Array;
  logProbT.dispose();
  outranksT.dispose();
  return { logProb, outranks };
}
