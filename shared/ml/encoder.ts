// The Transformer encoder shared by pretraining, fine-tuning and scoring, written with
// tfjs-core ops on our own variables (not Keras layers) so gradients, checkpoints and the
// ONNX export see exactly the same parameters.
//
// Forward pass (Vaswani et al. 2017, pre-LN variant of Xiong et al. 2020), input ids [B×L]
// into the shared table (vocabulary.ts):
//   x = table[ids]·(√dim if scaleInputEmbeddings) + position[maxLen-L .. maxLen)  → dropout
//   (table = itemTable: the id rows, plus on each item's row text·itemText.proj when the model
//    carries frozen item text; the tied output layer reads the same table)
//   (positions are right-aligned: rows are left-padded and the last column is always
//    position maxLen-1, so the trailing [MASK] sees the same position at any batch length)
//   for each block:  x = x + dropout(Wo·MHA(LN1(x)) + bo)
//                    x = x + dropout(W2·gelu(W1·LN2(x) + b1) + b2)
//   h = LNfinal(x)
// MHA: softmax(Q·Kᵀ/√dh + mask)·V per head, mask = -1e9 on [PAD] keys (and on future keys
// when causal), with Q|K|V from one fused projection (attention.ts; a SIMD WASM kernel on
// the WASM backend). gelu is the tanh approximation. LN: (x-μ)/√(σ²+1e-5)·γ + β over the last axis.
import * as tf from '@tensorflow/tfjs';
import { Random } from '../random';
import { embedInputs, gatherRows, layerNorm, linearGelu, qkvProjection, residualLinear, selfAttention, type DropoutDraw } from './kernels';
import type { EncoderConfig } from './config';
import type { RowBlock } from './row-blocks';
import { FIRST_ITEM_ROW, PAD_ROW, tableRows, type Vocabulary } from './vocabulary';
import type { Matrix } from '../data/types';

/** Weights by parameter name, each a row-major float32 array (the checkpoint/export form). */
export type NamedWeights = Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

export interface RecModel {
  readonly encoder: EncoderConfig;
  readonly vocabulary: Vocabulary;
  /** trainable parameters by name, in `parameterNames` order */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /**
   * frozen text embedding of each item [numItems × encoder.itemTextDim] when the model has
   * item text: a constant, never trained, carried in exports and checkpoints as FROZEN_ITEM_TEXT
   */
  readonly itemText?: tf.Tensor2D;
}

/** The name the frozen item text embeddings travel under in NamedWeights (checkpoints, replicas). */
export const FROZEN_ITEM_TEXT = 'frozen.itemText';

/** Every parameter's name and shape, in a fixed order (checkpoints and exports follow it). */
export function parameterShapes(cfg: EncoderConfig, vocab: Vocabulary): Array<[string, number[]]> {
  const d = cfg.dim;
  const f = cfg.dim * cfg.ffnMultiplier;
  const shapes: Array<[string, number[]]> = [
    ['embedding.table', [tableRows(vocab), d]],
    ['embedding.position', [cfg.maxLen, d]],
  ];
  for (let l = 0; l < cfg.layers; l++) {
    const p = `block${l}.`;
    shapes.push(
      [`${p}ln1.gamma`, [d]], [`${p}ln1.beta`, [d]],
      [`${p}attn.wq`, [d, d]], [`${p}attn.bq`, [d]],
      [`${p}attn.wk`, [d, d]], [`${p}attn.bk`, [d]],
      [`${p}attn.wv`, [d, d]], [`${p}attn.bv`, [d]],
      [`${p}attn.wo`, [d, d]], [`${p}attn.bo`, [d]],
      [`${p}ln2.gamma`, [d]], [`${p}ln2.beta`, [d]],
      [`${p}ffn.w1`, [d, f]], [`${p}ffn.b1`, [f]],
      [`${p}ffn.w2`, [f, d]], [`${p}ffn.b2`, [d]],
    );
  }
  shapes.push(['final.ln.gamma', [d]], ['final.ln.beta', [d]]);
  // last, so a model without the feature has exactly the parameters (and initial draws) it had before
  if (usesPrice(cfg, vocab)) shapes.push(['embedding.price', [(cfg.priceBuckets as number) + 1, d]]);
  // after it, so a model without item text draws exactly the initial weights it always did
  if (cfg.itemTextDim) shapes.push(['itemText.proj', [cfg.itemTextDim, d]]);
  return shapes;
}

/** Whether the model adds a price-bucket vector to its items; a config and a vocabulary that disagree are an error. */
export function usesPrice(cfg: EncoderConfig, vocab: Vocabulary): boolean {
  const buckets = vocab.itemPriceBucket;
  if (cfg.priceBuckets === undefined) {
    if (buckets) throw new Error('the vocabulary has item price buckets but encoder.priceBuckets is not set; use the encoder config the model was trained with');
    return false;
  }
  if (!buckets) throw new Error(`encoder.priceBuckets=${cfg.priceBuckets} needs each item's price bucket in the vocabulary (pretrain with the items' prices)`);
  if (buckets.length !== vocab.numItems) throw new Error(`the vocabulary has ${buckets.length} item price buckets for ${vocab.numItems} items`);
  for (const b of buckets) if (!(Number.isInteger(b) && b >= 0 && b <= cfg.priceBuckets)) throw new Error(`item price bucket ${b} is outside [0, ${cfg.priceBuckets}]`);
  return true;
}

/** Standard normal by Box–Muller from the seeded generator, so initial weights replay. */
function normals(rng: Random, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.next();
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * A freshly initialised model: N(0, initStd) matrices, zero biases, unit LN gains. A config
 * with itemTextDim needs the frozen `itemText` rows [numItems × itemTextDim].
 */
export function createModel(cfg: EncoderConfig, vocab: Vocabulary, seed: number, itemText?: Matrix): RecModel {
  const rng = new Random(seed);
  const weights: NamedWeights = {};
  for (const [name, shape] of parameterShapes(cfg, vocab)) {
    const size = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('.gamma')) data = new Float32Array(size).fill(1);
    // price vectors start at zero: the items start where they would without the feature
    else if (shape.length === 1 || name === 'embedding.price') data = new Float32Array(size);
    else data = normals(rng, size, cfg.initStd);
    if (name === 'embedding.table') data.fill(0, PAD_ROW * cfg.dim, (PAD_ROW + 1) * cfg.dim);
    weights[name] = { shape, data };
  }
  if (itemText) weights[FROZEN_ITEM_TEXT] = { shape: [itemText.rows, itemText.cols], data: itemText.data };
  return modelFromWeights(cfg, vocab, weights);
}

/** Builds a model whose variables hold copies of `weights` (shapes are checked by name). */
export function modelFromWeights(cfg: EncoderConfig, vocab: Vocabulary, weights: NamedWeights): RecModel {
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of parameterShapes(cfg, vocab)) {
    const w = weights[name];
    if (!w) throw new Error(`Model weights lack parameter '${name}'; the weights were saved for a different encoder config`);
    if (w.shape.join('x') !== shape.join('x')) {
      throw new Error(`Parameter '${name}' has shape [${w.shape.join(',')}], the encoder config needs [${shape.join(',')}]`);
    }
    params.set(name, tf.variable(tf.tensor(w.data.slice(), shape), true));
  }
  if (!cfg.itemTextDim) return { encoder: cfg, vocabulary: vocab, params };
  const text = weights[FROZEN_ITEM_TEXT];
  const shape = [vocab.numItems, cfg.itemTextDim];
  if (!text || text.shape.join('x') !== shape.join('x')) {
    throw new Error(`Model weights need '${FROZEN_ITEM_TEXT}' of shape [${shape.join(',')}] (encoder.itemTextDim=${cfg.itemTextDim}), got ${text ? `[${text.shape.join(',')}]` : 'none'}`);
  }
  return { encoder: cfg, vocabulary: vocab, params, itemText: tf.tensor2d(text.data.slice(), shape as [number, number]) };
}

/** A copy of `model` with causal attention, as fine-tuning and the scoring of its targets read it; `model` is left unchanged. */
export function causalCopy(model: RecModel): RecModel {
  return modelFromWeights({ ...model.encoder, causal: true }, model.vocabulary, exportWeights(model));
}

/** Copies every parameter out of the backend. */
export function exportWeights(model: RecModel): NamedWeights {
  const out: NamedWeights = {};
  for (const [name, v] of model.params) out[name] = { shape: v.shape.slice(), data: (v.dataSync() as Float32Array).slice() };
  if (model.itemText) out[FROZEN_ITEM_TEXT] = { shape: model.itemText.shape.slice(), data: (model.itemText.dataSync() as Float32Array).slice() };
  return out;
}

export function assignWeights(model: RecModel, weights: NamedWeights): void {
  for (const [name, v] of model.params) {
    const w = weights[name];
    if (!w || w.shape.join('x') !== v.shape.join('x')) throw new Error(`assignWeights: missing or misshapen parameter '${name}'`);
    v.assign(tf.tensor(w.data, v.shape));
  }
}

export function disposeModel(model: RecModel): void {
  for (const v of model.params.values()) v.dispose();
  model.itemText?.dispose();
}

export function param(model: RecModel, name: string): tf.Variable {
  const v = model.params.get(name);
  if (!v) throw new Error(`Model has no parameter '${name}'`);
  return v;
}

export interface ForwardOptions {
  /** dropout on when training */
  readonly training: boolean;
  /** draws the dropout seeds; required when training with dropout > 0 */
  readonly rng?: Random;
  /** itemTable(model) when the caller already computed it for this step (the loss reads it too) */
  readonly table?: tf.Tensor2D;
}

/**
 * The embedding table the model reads items from: `embedding.table`, plus on each item's row
 * its price bucket's vector when the model takes price (usesPrice) and the projection of its
 * frozen text, text·itemText.proj, when it has item text. Inputs, the output softmax and the
 * exported item embeddings all read this, so the features are the same everywhere; without
 * either it is the `embedding.table` variable itself. `idDropout` (training, item text only)
 * leaves whole id rows out at its rate, no rescaling, so a dropped item is represented exactly
 * as one never trained on: by its features alone.
 */
export function itemTable(model: RecModel, idDropout?: { readonly rate: number; readonly rng: Random }): tf.Tensor2D {
  const table = param(model, 'embedding.table') as tf.Tensor2D;
  const buckets = model.vocabulary.itemPriceBucket;
  const price = buckets !== undefined && model.encoder.priceBuckets !== undefined;
  if (!price && !model.itemText) return table;
  const [rows, d] = table.shape;
  const { numItems } = model.vocabulary;
  return tf.tidy(() => {
    let ids: tf.Tensor2D = table;
    if (model.itemText && idDropout && idDropout.rate > 0) {
      const keep = new Float32Array(rows).fill(1);
      for (let i = 0; i < numItems; i++) if (idDropout.rng.next() < idDropout.rate) keep[FIRST_ITEM_ROW + i] = 0;
      ids = tf.mul(table, tf.tensor2d(keep, [rows, 1]));
    }
    let perItem: tf.Tensor | null = price ? gatherRows(param(model, 'embedding.price'), Int32Array.from(buckets)) : null;
    if (model.itemText) {
      const projected = tf.matMul(model.itemText, param(model, 'itemText.proj'));
      perItem = perItem ? tf.add(perItem, projected) : projected;
    }
    const padded = tf.concat([tf.zeros([FIRST_ITEM_ROW, d]), perItem!, tf.zeros([rows - FIRST_ITEM_ROW - numItems, d])]);
    return tf.add(ids, padded) as tf.Tensor2D;
  });
}

/** The item vectors of items the model never saw: their text's projection alone (rows × dim). */
export function projectItemText(model: RecModel, text: Matrix): Matrix {
  if (!model.encoder.itemTextDim) throw new Error('projectItemText: the model was trained without item text');
  if (text.cols !== model.encoder.itemTextDim) throw new Error(`projectItemText: text embeddings have ${text.cols} columns, the model projects ${model.encoder.itemTextDim}`);
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(text.data, [text.rows, text.cols]), param(model, 'itemText.proj')));
  const data = (out.dataSync() as Float32Array).slice();
  out.dispose();
  return { rows: text.rows, cols: model.encoder.dim, data };
}

/** The rate and mask seed of one dropout site, or null when it is off (inference, rate 0). */
function dropoutDraw(rate: number, opts: ForwardOptions): DropoutDraw | null {
  if (!opts.training || rate === 0) return null;
  if (!opts.rng) throw new Error('encode: training with dropout needs opts.rng so the dropout masks replay');
  return { rate, seed: opts.rng.nextUint32() };
}

/**
 * Encodes `batch` rows of `len` table ids (row-major [batch×len]); returns the final
 * hidden states [batch·len × dim]. Every row must hold at least one non-[PAD] id.
 */
export function encode(model: RecModel, ids: Int32Array, batch: number, len: number, opts: ForwardOptions): tf.Tensor2D {
  return encodeBlocks(model, [{ ids, batch, len }], opts);
}

/** One batch of an encodeBlocks call: `batch` rows of `len` table ids, row-major. */
export interface EncoderBatch extends RowBlock {
  readonly ids: Int32Array;
}

/**
 * Encodes several batches in one pass (row-blocks.ts): their hidden states, one batch's rows
 * after another's. One batch encodes exactly as `encode` does; a later batch's dropout draws
 * its own masks.
 */
export function encodeBlocks(model: RecModel, batches: readonly EncoderBatch[], opts: ForwardOptions): tf.Tensor2D {
  return encodeWithLastBlock(model, batches, opts).hidden;
}

/**
 * The hidden states and, of the last block, what its output projection ffn.w2 reads (the FFN's
 * inner activations) and the residual stream the final layer norm reads: what a gradient through
 * that projection needs (shared/valuation/tracin-output.ts). The tensors are the forward pass's
 * own, so asking for them costs nothing.
 */
export function encodeWithLastBlock(model: RecModel, batches: readonly EncoderBatch[], opts: ForwardOptions): { hidden: tf.Tensor2D; inner: tf.Tensor2D; residual: tf.Tensor2D } {
  const cfg = model.encoder;
  for (const { ids, batch, len } of batches) {
    if (len > cfg.maxLen) throw new Error(`encode: sequence length ${len} exceeds encoder.maxLen=${cfg.maxLen}`);
    if (ids.length !== batch * len) throw new Error(`encode: ids has ${ids.length} entries, expected batch×len = ${batch * len}`);
  }
  const ids = batches.length === 1 ? batches[0]!.ids : concatIds(batches);
  const blocks = batches.map(({ batch, len }) => ({ batch, len }));
  const d = cfg.dim;
  const p = (name: string) => param(model, name);

  let x: tf.Tensor = embedInputs(opts.table ?? itemTable(model), p('embedding.position'), ids, { blocks, scale: cfg.scaleInputEmbeddings ? Math.sqrt(d) : 1 }, dropoutDraw(cfg.dropout, opts));

  const pad = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) if (ids[i] === PAD_ROW) pad[i] = 1;
  const layout = { blocks, dim: d, heads: cfg.heads, causal: cfg.causal };

  let inner: tf.Tensor | undefined;
  for (let l = 0; l < cfg.layers; l++) {
    const b = `block${l}.`;
    const n1 = layerNorm(x, p(`${b}ln1.gamma`), p(`${b}ln1.beta`));
    // one [d × 3d] projection instead of three: fewer kernels, and the layout the attention kernel reads
    const qkv = qkvProjection(n1, [p(`${b}attn.wq`), p(`${b}attn.wk`), p(`${b}attn.wv`)]);
    const ctx = selfAttention(qkv, [p(`${b}attn.bq`), p(`${b}attn.bk`), p(`${b}attn.bv`)], pad, layout, dropoutDraw(cfg.dropout, opts));
    x = residualLinear(x, ctx, p(`${b}attn.wo`), p(`${b}attn.bo`), dropoutDraw(cfg.dropout, opts));

    const n2 = layerNorm(x, p(`${b}ln2.gamma`), p(`${b}ln2.beta`));
    inner = linearGelu(n2, p(`${b}ffn.w1`), p(`${b}ffn.b1`));
    x = residualLinear(x, inner, p(`${b}ffn.w2`), p(`${b}ffn.b2`), dropoutDraw(cfg.dropout, opts));
  }
  if (!inner) throw new Error('encode: the encoder has no blocks (encoder.layers must be at least 1)');
  return { hidden: layerNorm(x, p('final.ln.gamma'), p('final.ln.beta')) as tf.Tensor2D, inner: inner as tf.Tensor2D, residual: x as tf.Tensor2D };
}

function concatIds(batches: readonly EncoderBatch[]): Int32Array {
  const out = new Int32Array(batches.reduce((n, b) => n + b.ids.length, 0));
  let at = 0;
  for (const { ids } of batches) {
    out.set(ids, at);
    at += ids.length;
  }
  return out;
}
