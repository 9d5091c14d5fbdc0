// Adam (Kingma & Ba, ICLR 2015) with optional decoupled weight decay (AdamW, Loshchilov &
// Hutter, ICLR 2019), written out so that its whole state (moments + step) is ours to
// checkpoint and restore bit for bit. tfjs's AdamOptimizer rebuilds β^t with pow() on
// restore while training multiplies it step by step, which can differ in the last bit.
//   m ← β1·m + (1−β1)·g      v ← β2·v + (1−β2)·g²
//   θ ← θ − lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε) − lr·wd·θ,   lr = lr₀·γ^epoch (γ = lrDecayPerEpoch)
//
// Lazy over rows (as TensorFlow's LazyAdam and PyTorch's SparseAdam): a row of a matrix
// whose gradient is all zero this step keeps its moments and its weights. A sampled-softmax
// step on Amazon Beauty touches a few thousand of the table's 54.5k item rows, and the dense
// update — about ten WASM element-wise kernels over all 3.5M table entries — cost more than
// the step's encoder. The moments therefore live on typed arrays and the update runs over the
// touched rows only; rows that every step touches (full softmax, small tables) get plain Adam.
// `lazyRows: false` makes every row count as touched: dense Adam, at the full table's cost.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from './config';
import type { NamedWeights } from './encoder';
import { rememberVariableValues, versionOf } from './ops';
import { tensorValues } from './wasm/kernels';

export class Adam {
  private step = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  /** per parameter name (the key in `params`, not the tfjs variable's own name): the values this optimizer last assigned, and the buffer handle they went to */
  private readonly weights = new Map<string, Float32Array>();
  private readonly written = new Map<string, object>();
  private readonly gradientCopies = new Map<string, Float32Array>();

  constructor(
    private readonly cfg: OptimizerConfig,
    private readonly params: ReadonlyMap<string, tf.Variable>,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, new Float32Array(p.size));
      this.v.set(name, new Float32Array(p.size));
    }
  }

  get steps(): number {
    return this.step;
  }

  /** Applies one update in `epoch` (from 0); `grads` holds a gradient for every parameter name. Returns the pre-clip global norm. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, epoch = 0): number {
    // copied (the update runs tfjs ops, which may move the backend's memory) into arrays kept
    // from step to step: fresh ones for every gradient of every step fed the garbage collector
    const values = new Map<string, Float32Array>();
    for (const [name, g] of grads) {
      let copy = this.gradientCopies.get(name);
      if (copy?.length !== g.size) this.gradientCopies.set(name, (copy = new Float32Array(g.size)));
      copy.set(tensorValues(g));
      values.set(name, copy);
    }
    return this.applyValues(values, epoch);
  }

  /** apply() on gradient values already read out of the backend (a data-parallel step's mean). */
  applyValues(grads: ReadonlyMap<string, Float32Array>, epoch: number): number {
    const { beta1, beta2, epsilon, weightDecay, clipNorm, lazyRows, lrDecayPerEpoch } = this.cfg;
    const lr = this.cfg.lr * lrDecayPerEpoch ** epoch;
    const values = new Map<string, Float32Array>();
    const touchedRows = new Map<string, Uint8Array>();
    let squares = 0;
    for (const [name, p] of this.params) {
      const data = grads.get(name);
      if (!data) throw new Error(`Adam.apply: no gradient for parameter '${name}'`);
      if (data.length !== p.size) throw new Error(`Adam.apply: the gradient of '${name}' has ${data.length} values for ${p.size} weights`);
      // one sweep: the global norm, and which rows the step touched
      const cols = p.rank === 2 ? (p.shape[1] as number) : p.size;
      const touched = new Uint8Array(data.length / cols);
      for (let row = 0, i = 0; row < touched.length; row++) {
        let rowSquares = 0;
        for (const end = i + cols; i < end; i++) rowSquares += (data[i] as number) * (data[i] as number);
        if (rowSquares > 0 || !lazyRows) touched[row] = 1;
        squares += rowSquares;
      }
      values.set(name, data);
      touchedRows.set(name, touched);
    }
    const norm = Math.sqrt(squares);
    const clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    this.step += 1;
    const t = this.step;
    const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    const decay = lr * weightDecay;
    for (const [name, p] of this.params) {
      const g = values.get(name) as Float32Array;
      const touched = touchedRows.get(name) as Uint8Array;
      const m = this.m.get(name) as Float32Array;
      const v = this.v.get(name) as Float32Array;
      const cols = g.length / touched.length;
      const w = this.weightsOf(name, p);
      let changed = false;
      for (let row = 0; row < touched.length; row++) {
        if (touched[row] === 0) continue;
        changed = true;
        for (let i = row * cols; i < (row + 1) * cols; i++) {
          const gi = (g[i] as number) * clip;
          m[i] = beta1 * (m[i] as number) + (1 - beta1) * gi;
          v[i] = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
          w[i] = (w[i] as number) - stepSize * ((m[i] as number) / (Math.sqrt(v[i] as number) + epsilon)) - decay * (w[i] as number);
        }
      }
      if (changed) {
        // the WASM backend copies the array into its heap at once; others (CPU, native) may keep a reference
        // disposed here, not by a caller's tidy: data-parallel steps update outside one
        const next = tf.tensor(tf.getBackend() === 'wasm' ? w : w.slice(), p.shape);
        p.assign(next);
        next.dispose();
        this.written.set(name, versionOf(p));
        rememberVariableValues(p, w);
      }
    }
    return norm;
  }

  /**
   * This optimizer's copy of a parameter's values, read from the backend only when the
   * variable was assigned from outside since the last update (a restore, a weight load):
   * reading Amazon Beauty's 14 MB item table back every step cost more than the update.
   */
  private weightsOf(name: string, p: tf.Variable): Float32Array {
    const copy = this.weights.get(name);
    if (copy && this.written.get(name) === versionOf(p)) return copy;
    const fresh = p.dataSync().slice() as Float32Array;
    this.weights.set(name, fresh);
    return fresh;
  }

  /** Moments as named arrays (`m/<param>`, `v/<param>`) plus the step count. */
  exportState(): { step: number; moments: NamedWeights } {
    const moments: NamedWeights = {};
    for (const [prefix, map] of [['m/', this.m], ['v/', this.v]] as const) {
      for (const [name, data] of map) moments[prefix + name] = { shape: (this.params.get(name) as tf.Variable).shape.slice(), data: data.slice() };
    }
    return { step: this.step, moments };
  }

  restoreState(state: { step: number; moments: NamedWeights }): void {
    for (const [prefix, map] of [['m/', this.m], ['v/', this.v]] as const) {
      for (const [name, data] of map) {
        const shape = (this.params.get(name) as tf.Variable).shape;
        const saved = state.moments[prefix + name];
        if (!saved || saved.shape.join('x') !== shape.join('x')) {
          throw new Error(`Adam.restoreState: checkpoint lacks moment '${prefix}${name}' of shape [${shape.join(',')}]`);
        }
        data.set(saved.data);
      }
    }
    this.step = state.step;
  }

  /** Kept for callers that release optimizer state explicitly; the moments are plain arrays. */
  dispose(): void {
    this.m.clear();
    this.v.clear();
    this.weights.clear();
    this.written.clear();
  }
}
