// The Transformer encoder shared by pretraining, fine-tuning and scoring, written with
// tfjs-core ops on our own variables (not Keras layers) so gradients, checkpoints and the
// ONNX export see exactly the same parameters.
//
// Forward pass (Vaswani et al. 2017, pre-LN variant of Xiong et al. 2020), input ids [B×L]
// into the shared table (vocabulary.ts):
//   x = table[ids] + position[maxLen-L .. maxLen)  → dropout
//   (positions are right-aligned: rows are left-padded and the last column is always
//    position maxLen-1, so the trailing [MASK] sees the same position at any batch length)
//   for each block:  x = x + dropout(Wo·MHA(LN1(x)) + bo)
//                    x = x + dropout(W2·gelu(W1·LN2(x) + b1) + b2)
//   h = LNfinal(x)
// MHA: softmax(Q·Kᵀ/√dh + mask)·V per head, mask = -1e9 on [PAD] keys (and on future keys
// when causal). gelu is the tanh approximation. LN: (x-μ)/√(σ²+1e-5)·γ + β over the last axis.
import * as tf from '@tensorflow/tfjs';
import { Random } from '../data/random';
import type { EncoderConfig } from './config';
import { gatherRows, matMul } from './ops';
import { PAD_ROW, tableRows, type Vocabulary } from './vocabulary';

export const LAYER_NORM_EPSILON = 1e-5;

/** Weights by parameter name, each a row-major float32 array (the checkpoint/export form). */
export type NamedWeights = Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

export interface RecModel {
  readonly encoder: EncoderConfig;
  readonly vocabulary: Vocabulary;
  /** trainable parameters by name, in `parameterNames` order */
  readonly params: ReadonlyMap<string, tf.Variable>;
}

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
  return shapes;
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

/** A freshly initialised model: N(0, initStd) matrices, zero biases, unit LN gains. */
export function createModel(cfg: EncoderConfig, vocab: Vocabulary, seed: number): RecModel {
  const rng = new Random(seed);
  const weights: NamedWeights = {};
  for (const [name, shape] of parameterShapes(cfg, vocab)) {
    const size = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('.gamma')) data = new Float32Array(size).fill(1);
    else if (shape.length === 1) data = new Float32Array(size);
    else data = normals(rng, size, cfg.initStd);
    if (name === 'embedding.table') data.fill(0, PAD_ROW * cfg.dim, (PAD_ROW + 1) * cfg.dim);
    weights[name] = { shape, data };
  }
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
  return { encoder: cfg, vocabulary: vocab, params };
}

/** Copies every parameter out of the backend. */
export function exportWeights(model: RecModel): NamedWeights {
  const out: NamedWeights = {};
  for (const [name, v] of model.params) out[name] = { shape: v.shape.slice(), data: (v.dataSync() as Float32Array).slice() };
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
}

export function param(model: RecModel, name: string): tf.Variable {
  const v = model.params.get(name);
  if (!v) throw new Error(`Model has no parameter '${name}'`);
  return v;
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma), beta);
}

const GELU_C = Math.sqrt(2 / Math.PI);
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

export interface ForwardOptions {
  /** dropout on when training */
  readonly training: boolean;
  /** draws the dropout seeds; required when training with dropout > 0 */
  readonly rng?: Random;
}

/**
 * Inverted dropout with the keep-mask drawn on a typed array from the seeded generator: the
 * stock tf.dropout draws through tf.randomUniform's JS generator and a few more kernels,
 * several milliseconds per [6400×64] activation on WASM; the mask here costs one mulberry32
 * draw per element and one Multiply kernel.
 */
function maybeDropout(x: tf.Tensor, rate: number, opts: ForwardOptions): tf.Tensor {
  if (!opts.training || rate === 0) return x;
  if (!opts.rng) throw new Error('encode: training with dropout needs opts.rng so the dropout masks replay');
  const draw = new Random(opts.rng.nextUint32());
  const keep = 1 / (1 - rate);
  const threshold = rate * 4294967296;
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) if (draw.nextUint32() >= threshold) mask[i] = keep;
  return tf.mul(x, tf.tensor(mask, x.shape));
}

/**
 * Additive attention mask [B·H, 1|L, L] (-1e9 on [PAD] keys, and on future keys when causal),
 * written per head on a typed array: tf.tile of a [B,1,L,L] mask took ~60 ms a step on WASM.
 */
function attentionMask(ids: Int32Array, batch: number, len: number, heads: number, causal: boolean): tf.Tensor {
  const NEG = -1e9;
  const rows = causal ? len : 1;
  const m = new Float32Array(batch * heads * rows * len);
  const block = rows * len;
  for (let b = 0; b < batch; b++) {
    const first = b * heads * block;
    for (let q = 0; q < rows; q++) {
      for (let k = 0; k < len; k++) {
        if ((causal && k > q) || ids[b * len + k] === PAD_ROW) m[first + q * len + k] = NEG;
      }
    }
    for (let h = 1; h < heads; h++) m.copyWithin(first + h * block, first, first + block);
  }
  return tf.tensor3d(m, [batch * heads, rows, len]);
}

/**
 * Encodes `batch` rows of `len` table ids (row-major [batch×len]); returns the final
 * hidden states [batch·len × dim]. Every row must hold at least one non-[PAD] id.
 */
export function encode(model: RecModel, ids: Int32Array, batch: number, len: number, opts: ForwardOptions): tf.Tensor2D {
  const cfg = model.encoder;
  if (len > cfg.maxLen) throw new Error(`encode: sequence length ${len} exceeds encoder.maxLen=${cfg.maxLen}`);
  if (ids.length !== batch * len) throw new Error(`encode: ids has ${ids.length} entries, expected batch×len = ${batch * len}`);
  const d = cfg.dim;
  const h = cfg.heads;
  const dh = d / h;
  const p = (name: string) => param(model, name);

  const positions = tf.slice(p('embedding.position'), [cfg.maxLen - len, 0], [len, d]);
  let x: tf.Tensor = tf.reshape(gatherRows(p('embedding.table'), ids), [batch, len, d]);
  x = maybeDropout(tf.add(x, positions), cfg.dropout, opts);
  x = tf.reshape(x, [batch * len, d]);

  const mask = attentionMask(ids, batch, len, h, cfg.causal);
  const scale = 1 / Math.sqrt(dh);

  const splitHeads = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [batch, len, h, dh]), [0, 2, 1, 3]), [batch * h, len, dh]);
  for (let l = 0; l < cfg.layers; l++) {
    const b = `block${l}.`;
    const n1 = layerNorm(x, p(`${b}ln1.gamma`), p(`${b}ln1.beta`));
    const q = splitHeads(tf.add(matMul(n1, p(`${b}attn.wq`)), p(`${b}attn.bq`)));
    const k = splitHeads(tf.add(matMul(n1, p(`${b}attn.wk`)), p(`${b}attn.bk`)));
    const v = splitHeads(tf.add(matMul(n1, p(`${b}attn.wv`)), p(`${b}attn.bv`)));
    const scores = tf.add(tf.mul(matMul(q, tf.transpose(k, [0, 2, 1])), scale), mask);
    const attn = maybeDropout(tf.softmax(scores), cfg.dropout, opts);
    const ctx = tf.reshape(tf.transpose(tf.reshape(matMul(attn, v), [batch, h, len, dh]), [0, 2, 1, 3]), [batch * len, d]);
    x = tf.add(x, maybeDropout(tf.add(matMul(ctx, p(`${b}attn.wo`)), p(`${b}attn.bo`)), cfg.dropout, opts));

    const n2 = layerNorm(x, p(`${b}ln2.gamma`), p(`${b}ln2.beta`));
    const inner = gelu(tf.add(matMul(n2, p(`${b}ffn.w1`)), p(`${b}ffn.b1`)));
    x = tf.add(x, maybeDropout(tf.add(matMul(inner, p(`${b}ffn.w2`)), p(`${b}ffn.b2`)), cfg.dropout, opts));
  }
  return layerNorm(x, p('final.ln.gamma'), p('final.ln.beta')) as tf.Tensor2D;
}
