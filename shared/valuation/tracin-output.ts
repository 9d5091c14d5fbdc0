// TracIn through the output layer of the model that is actually trained (Pruthi et al.,
// NeurIPS 2020, restricted to the tied item table E as the output layer's weights): one
// warm-up fine-tune from the pretrained encoder, then, at its final checkpoint, the inner
// product of each training interaction's loss gradient with the summed gradient of the
// validation losses. For an example with hidden state h (dim) and full softmax p over the C
// items, the gradient of ℓ = −log p[y] w.r.t. the output rows of E is G hᵀ with G = p − e_y, so
//   score_j = Σ_v ⟨G_j h_jᵀ, G_v h_vᵀ⟩ = h_jᵀ S G_j,   S = Σ_v h_v G_vᵀ   (dim × C)
//           = h_jᵀ (S p_j) − h_jᵀ S[:, y_j]
// S is built once from the validation examples; each training example then costs two
// [m × dim]·[dim × C] products in blocks of rows, never an n × C matrix. A positive score means
// a gradient step on j lowers the validation loss, so v_j = score_j (higher = more valuable).
// Only the output role of E is differentiated: its input role and the encoder's weights are
// held fixed — unless `lastBlock` is set, when the last block's output projection (ffn.w2, ffn.b2:
// y = a·W2 + b2 on the FFN's inner activations a) is differentiated too. Its gradient for one
// example is aᵀδ (and δ), δ = ∂ℓ/∂x the gradient of the residual stream the final layer norm
// reads, which carries G·E back through that norm; so, as for E,
//   score_j += Σ_v (a_j·a_v)(δ_j·δ_v) + δ_j·δ_v = a_jᵀ M δ_j + δ_j·Σ_v δ_v,   M = Σ_v a_vᵀ δ_v (f × dim)
// — TracIn's inner product over both groups of weights is the sum of the two. The block's
// attention and first FFN layer are not differentiated (decision 0022).
import * as tf from '@tensorflow/tfjs';
import type { InteractionTable } from '../data/types';
import type { FinetuneConfigInput } from '../ml/config';
import { disposeModel, param, type RecModel } from '../ml/encoder';
import { layerNorm } from '../ml/kernels';
import { finetune, type FinetuneData } from '../ml/finetune';
import { forEachTargetBatch, transposedItems, type LastBlockStates } from '../ml/target-scores';
import { seededRowSample } from '../random';
import { CrossFitStoppedError, type CrossFitHooks } from './cross-fit';

/** Hidden states [m × dim] per training or validation example, with the target each predicts. */
export interface HiddenBatch {
  readonly hidden: tf.Tensor2D;
  readonly targets: Int32Array;
}

/** G = softmax(H·Eᵀ) − onehot(y), [m × C], from hidden states and the transposed item table [dim × C]. */
function outputGradient(hidden: tf.Tensor2D, itemsT: tf.Tensor2D, targets: Int32Array): tf.Tensor2D {
  return tf.tidy(() => {
    const p = tf.softmax(tf.matMul(hidden, itemsT));
    return tf.sub(p, tf.oneHot(tf.tensor1d(targets, 'int32'), itemsT.shape[1])) as tf.Tensor2D;
  });
}

/** Accumulates S = Σ_v h_v G_vᵀ [dim × C] over batches of examples (validation ones here, training ones in dealrec.ts). */
export class OutputGradientSum {
  private sum: tf.Tensor2D;

  constructor(private readonly itemsT: tf.Tensor2D) {
    this.sum = tf.zeros([itemsT.shape[0], itemsT.shape[1]]);
  }

  add(batch: HiddenBatch): void {
    const next = tf.tidy(() => tf.add(this.sum, tf.matMul(batch.hidden, outputGradient(batch.hidden, this.itemsT, batch.targets), true, false)) as tf.Tensor2D);
    this.sum.dispose();
    this.sum = next;
  }

  /** S; owned by this object until dispose. */
  get value(): tf.Tensor2D {
    return this.sum;
  }

  dispose(): void {
    this.sum.dispose();
  }
}

/** score_m = h_mᵀ S G_m for each row of a training batch: rowsum((H·S) ⊙ P) − (H·S)[m, y_m]. */
export function outputTracinScores(batch: HiddenBatch, itemsT: tf.Tensor2D, s: tf.Tensor2D): Float32Array {
  const scores = tf.tidy(() => tf.sum(tf.mul(tf.matMul(batch.hidden, s), outputGradient(batch.hidden, itemsT, batch.targets)), 1));
  const out = scores.dataSync() as Float32Array;
  scores.dispose();
  return out;
}

/** δ = ∂ℓ/∂x at each row: the output layer's gradient on the hidden state, G·E, back through the final layer norm. */
function residualGradient(model: RecModel, batch: HiddenBatch & LastBlockStates, itemsT: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const onHidden = tf.matMul(outputGradient(batch.hidden, itemsT, batch.targets), itemsT, false, true);
    const [gamma, beta] = [param(model, 'final.ln.gamma'), param(model, 'final.ln.beta')];
    return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layerNorm(x, gamma, beta), onHidden)))(batch.residual) as tf.Tensor2D;
  });
}

/** Accumulates M = Σ_v a_vᵀ δ_v [f × dim] and Σ_v δ_v over batches: the last block's output projection's summed gradient. */
export class LastBlockGradientSum {
  private m: tf.Tensor2D;
  private bias: tf.Tensor1D;

  constructor(private readonly model: RecModel, private readonly itemsT: tf.Tensor2D) {
    const [f, d] = param(model, `block${model.encoder.layers - 1}.ffn.w2`).shape as [number, number];
    this.m = tf.zeros([f, d]);
    this.bias = tf.zeros([d]);
  }

  add(batch: HiddenBatch & LastBlockStates): void {
    const [m, bias] = tf.tidy(() => {
      const delta = residualGradient(this.model, batch, this.itemsT);
      return [tf.add(this.m, tf.matMul(batch.inner, delta, true, false)) as tf.Tensor2D, tf.add(this.bias, tf.sum(delta, 0)) as tf.Tensor1D];
    });
    tf.dispose([this.m, this.bias]);
    [this.m, this.bias] = [m, bias];
  }

  /** a_mᵀ M δ_m + δ_m·Σ_v δ_v for each row of a training batch. */
  scores(batch: HiddenBatch & LastBlockStates): Float32Array {
    const t = tf.tidy(() => {
      const delta = residualGradient(this.model, batch, this.itemsT);
      return tf.add(tf.sum(tf.mul(tf.matMul(batch.inner, this.m), delta), 1), tf.sum(tf.mul(delta, this.bias), 1));
    });
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  }

  dispose(): void {
    tf.dispose([this.m, this.bias]);
  }
}

/** ‖∇_E ℓ_m‖ for each row of a batch: the outer product G_m h_mᵀ has norm ‖G_m‖·‖h_m‖. */
export function outputGradientNorms(batch: HiddenBatch, itemsT: tf.Tensor2D): Float32Array {
  const norms = tf.tidy(() => tf.mul(tf.norm(outputGradient(batch.hidden, itemsT, batch.targets), 'euclidean', 1), tf.norm(batch.hidden, 'euclidean', 1)));
  const out = norms.dataSync() as Float32Array;
  norms.dispose();
  return out;
}

export interface TracInOutputData {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
  /** each user's validation interaction(s): predicted from the user's whole train history */
  readonly valid: InteractionTable;
}

export interface TracInOutputSettings {
  readonly warmupEpochs: number;
  /** validation interactions sampled into S */
  readonly maxValidPoints: number;
  readonly seed: number;
  /** fine-tuning rows encoded at once while scoring (bounds the [rows·targets × C] products) */
  readonly rowsPerBatch?: number;
  /** also differentiate the last block's output projection */
  readonly lastBlock?: boolean;
}

/**
 * The train split with the sampled validation interactions appended, and those appended rows
 * as the only examples: the fine-tuning rows then end at each validation item, so its hidden
 * state reads the user's train history exactly as a training target's does.
 */
function validationAsTargets(data: TracInOutputData, rows: Int32Array): { train: InteractionTable; examples: { indices: Int32Array; weights: Float32Array } } {
  const { train, valid } = data;
  const n = train.length;
  const m = rows.length;
  const join = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T, b: T): T => {
    const out = new (a.constructor as new (len: number) => T)(n + m);
    out.set(a);
    rows.forEach((r, k) => { out[n + k] = b[r] as number; });
    return out;
  };
  const joined: InteractionTable = {
    length: n + m,
    user: join(train.user, valid.user),
    item: join(train.item, valid.item),
    ts: join(train.ts, valid.ts),
    type: join(train.type, valid.type),
    session: join(train.session, valid.session),
    relevance: join(train.relevance, valid.relevance),
    // no search segments: the validation context is the item history alone
    query: new Int32Array(n + m).fill(-1),
  };
  return { train: joined, examples: { indices: Int32Array.from({ length: m }, (_, k) => n + k), weights: new Float32Array(m).fill(1) } };
}

/** `score` of every training interaction's hidden state and target (and with `withLastBlock` the last block's states) under a causal `model`, one batch of rows at a time. */
export async function scoreEachInteraction(model: RecModel, data: FinetuneData, finetuneConfig: FinetuneConfigInput, rowsPerBatch: number, score: (batch: HiddenBatch & Partial<LastBlockStates>) => Float32Array, withLastBlock = false): Promise<Float64Array> {
  const values = new Float64Array(data.train.length).fill(Number.NaN);
  await forEachTargetBatch(model, data, finetuneConfig, rowsPerBatch, (hidden, targets, rows, lastBlock) => {
    const scores = score({ hidden, targets, ...lastBlock });
    rows.forEach((j, t) => { values[j] = scores[t] as number; });
  }, withLastBlock);
  return values;
}

/** The output-layer (and with `lastBlock` the last block's output projection) TracIn score of every training interaction under a fine-tuned (causal) model. */
export async function outputTracinValues(model: RecModel, data: TracInOutputData, settings: Omit<TracInOutputSettings, 'warmupEpochs'>, finetuneConfig: FinetuneConfigInput = {}): Promise<Float64Array> {
  const rowsPerBatch = settings.rowsPerBatch ?? 64;
  const withBlock = settings.lastBlock ?? false;
  const itemsT = transposedItems(model);
  const s = new OutputGradientSum(itemsT);
  const block = withBlock ? new LastBlockGradientSum(model, itemsT) : undefined;
  try {
    const validRows = seededRowSample(data.valid.length, settings.maxValidPoints, settings.seed);
    if (validRows.length === 0) throw new Error('tracin-output: the validation split is empty, so there is no validation loss to take gradients of');
    const asTargets = validationAsTargets(data, validRows);
    await forEachTargetBatch(model, { numUsers: data.numUsers, numItems: data.numItems, ...asTargets }, finetuneConfig, rowsPerBatch, (hidden, targets, _rows, lastBlock) => {
      s.add({ hidden, targets });
      if (block && lastBlock) block.add({ hidden, targets, ...lastBlock });
    }, withBlock);
    return await scoreEachInteraction(model, { numUsers: data.numUsers, numItems: data.numItems, train: data.train }, finetuneConfig, rowsPerBatch, (batch) => {
      const output = outputTracinScores(batch, itemsT, s.value);
      if (!block || !batch.inner || !batch.residual) return output;
      const fromBlock = block.scores({ ...batch, inner: batch.inner, residual: batch.residual });
      return output.map((v, t) => v + (fromBlock[t] as number));
    }, withBlock);
  } finally {
    s.dispose();
    block?.dispose();
    itemsT.dispose();
  }
}

/** One warm-up fine-tune from `pretrained` on every training interaction, then its output-layer TracIn scores. */
export async function tracinOutputValues(data: TracInOutputData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, settings: TracInOutputSettings, hooks: CrossFitHooks): Promise<Float64Array> {
  const n = data.train.length;
  hooks.progress?.(`tracin-output: warm-up fine-tune of ${settings.warmupEpochs} epochs on ${n} interactions`);
  const config = { ...finetuneConfig, epochs: settings.warmupEpochs };
  const trained = await finetune({ numUsers: data.numUsers, numItems: data.numItems, train: data.train }, pretrained, config, { checkpointDir: `${hooks.checkpointDir}/tracin-output`, shouldStop: hooks.shouldStop });
  try {
    if (trained.stopped) throw new CrossFitStoppedError(`tracin-output stopped on request after ${trained.epochsDone} of ${settings.warmupEpochs} warm-up epochs`);
    hooks.progress?.(`tracin-output: gradients of ${Math.min(settings.maxValidPoints, data.valid.length)} validation and ${n} training interactions through the output layer`);
    return await outputTracinValues(trained.model, data, settings, config);
  } finally {
    disposeModel(trained.model);
  }
}
