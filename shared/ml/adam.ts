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
// The two sweeps of a step (the norm, and the update) run in the SIMD kernels on an arena of
// their own (./wasm/adam-arena.ts) where they are built, in JavaScript otherwise, with the
// same f64 operations in the same order either way.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from './config';
import type { NamedWeights } from './encoder';
import { rememberVariableValues, versionOf } from './ops';
import { adamArena, type AdamArena, type AdamSlot } from './wasm/adam-arena';
import { tensorValues } from './wasm/kernels';

export class Adam {
  private step = 0;
  private readonly arena: AdamArena;
  /** per parameter name (the key in `params`, not the tfjs variable's own name): the variable version the slot's weights were last assigned to */
  private readonly written = new Map<string, object>();

  constructor(
    private readonly cfg: OptimizerConfig,
    private readonly params: ReadonlyMap<string, tf.Variable>,
  ) {
    const shapes = new Map<string, { rows: number; cols: number }>();
    for (const [name, p] of params) {
      const cols = p.rank === 2 ? (p.shape[1] as number) : p.size;
      shapes.set(name, { rows: cols > 0 ? p.size / cols : 0, cols });
    }
    this.arena = adamArena(shapes);
  }

  get steps(): number {
    return this.step;
  }

  /** Applies one update in `epoch` (from 0); `grads` holds a gradient for every parameter name. Returns the pre-clip global norm. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, epoch = 0): number {
    return this.applyValues(new Map([...grads].map(([name, g]) => [name, tensorValues(g)])), epoch);
  }

  /**
   * apply() on gradient values: read out of the backend (a data-parallel step's mean), or views
   * into its memory, all copied into the slots before the update runs a tfjs op (which may move
   * that memory).
   */
  applyValues(grads: ReadonlyMap<string, Float32Array>, epoch: number): number {
    for (const [name, p] of this.params) {
      const data = grads.get(name);
      if (!data) throw new Error(`Adam.apply: no gradient for parameter '${name}'`);
      if (data.length !== p.size) throw new Error(`Adam.apply: the gradient of '${name}' has ${data.length} values for ${p.size} weights`);
      this.slot(name).g.set(data);
    }
    return this.update(epoch);
  }

  private slot(name: string): AdamSlot {
    return this.arena.slots.get(name) as AdamSlot;
  }

  private update(epoch: number): number {
    const { beta1, beta2, epsilon, weightDecay, clipNorm, lazyRows, lrDecayPerEpoch } = this.cfg;
    const k = this.arena.kernels;
    const lr = this.cfg.lr * lrDecayPerEpoch ** epoch;
    // one sweep: the global norm, and which rows the step touched
    let squares = 0;
    for (const name of this.params.keys()) {
      const s = this.slot(name);
      squares = s.at && k ? k.adamRowSquares(s.at.g, s.at.touched, s.rows, s.cols, lazyRows ? 1 : 0, squares) : rowSquares(s, lazyRows, squares);
    }
    const norm = Math.sqrt(squares);
    const clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    this.step += 1;
    const t = this.step;
    const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    const decay = lr * weightDecay;
    for (const [name, p] of this.params) {
      const s = this.slot(name);
      this.refreshWeights(name, p, s);
      const changed = s.at && k ? k.adamUpdate(s.at.w, s.at.g, s.at.m, s.at.v, s.at.touched, s.rows, s.cols, clip, beta1, beta2, stepSize, epsilon, decay) === 1 : updateRows(s, this.cfg, clip, stepSize, decay);
      if (changed) {
        // the WASM backend copies the array into its heap at once; others (CPU, native) may keep a reference
        // disposed here, not by a caller's tidy: data-parallel steps update outside one
        const next = tf.tensor(tf.getBackend() === 'wasm' ? s.w : s.w.slice(), p.shape);
        p.assign(next);
        next.dispose();
        this.written.set(name, versionOf(p));
        rememberVariableValues(p, s.w);
      }
    }
    return norm;
  }

  /**
   * Reads a parameter's values into its slot only when the variable was assigned from outside
   * since the last update (a restore, a weight load): reading a large item table back every
   * step costs more than the update.
   */
  private refreshWeights(name: string, p: tf.Variable, s: AdamSlot): void {
    if (this.written.get(name) === versionOf(p)) return;
    s.w.set(p.dataSync() as Float32Array);
  }

  /** Moments as named arrays (`m/<param>`, `v/<param>`) plus the step count. */
  exportState(): { step: number; moments: NamedWeights } {
    const moments: NamedWeights = {};
    for (const [name, p] of this.params) {
      const s = this.slot(name);
      moments[`m/${name}`] = { shape: p.shape.slice(), data: s.m.slice() };
      moments[`v/${name}`] = { shape: p.shape.slice(), data: s.v.slice() };
    }
    return { step: this.step, moments };
  }

  restoreState(state: { step: number; moments: NamedWeights }): void {
    for (const [name, p] of this.params) {
      for (const prefix of ['m/', 'v/'] as const) {
        const saved = state.moments[prefix + name];
        if (!saved || saved.shape.join('x') !== p.shape.join('x')) {
          throw new Error(`Adam.restoreState: checkpoint lacks moment '${prefix}${name}' of shape [${p.shape.join(',')}]`);
        }
        (prefix === 'm/' ? this.slot(name).m : this.slot(name).v).set(saved.data);
      }
    }
    this.step = state.step;
  }

  /** Kept for callers that release optimizer state explicitly; the state goes with the optimizer. */
  dispose(): void {
    this.written.clear();
  }
}

/** `total` plus each row's sum of squared gradients, row after row; marks the rows to update (wasm/adam.as.ts adamRowSquares). */
function rowSquares(s: AdamSlot, lazyRows: boolean, total: number): number {
  const { g, touched, cols } = s;
  for (let row = 0, i = 0; row < s.rows; row++) {
    let squares = 0;
    for (const end = i + cols; i < end; i++) squares += (g[i] as number) * (g[i] as number);
    touched[row] = squares > 0 || !lazyRows ? 1 : 0;
    total += squares;
  }
  return total;
}

/** The update of the touched rows (wasm/adam.as.ts adamUpdate); true when a row was touched. */
function updateRows(s: AdamSlot, cfg: OptimizerConfig, clip: number, stepSize: number, decay: number): boolean {
  const { beta1, beta2, epsilon } = cfg;
  const { g, m, v, w, touched, cols } = s;
  let changed = false;
  for (let row = 0; row < s.rows; row++) {
    if (touched[row] === 0) continue;
    changed = true;
    for (let i = row * cols; i < (row + 1) * cols; i++) {
      const gi = (g[i] as number) * clip;
      m[i] = beta1 * (m[i] as number) + (1 - beta1) * gi;
      v[i] = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
      w[i] = (w[i] as number) - stepSize * ((m[i] as number) / (Math.sqrt(v[i] as number) + epsilon)) - decay * (w[i] as number);
    }
  }
  return changed;
}
