// Adam (Kingma & Ba, ICLR 2015) with optional decoupled weight decay (AdamW, Loshchilov &
// Hutter, ICLR 2019), written out so that its whole state (moments + step) is ours to
// checkpoint and restore bit for bit. tfjs's AdamOptimizer rebuilds β^t with pow() on
// restore while training multiplies it step by step, which can differ in the last bit.
//   m ← β1·m + (1−β1)·g      v ← β2·v + (1−β2)·g²
//   θ ← θ − lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε) − lr·wd·θ
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from './config';
import type { NamedWeights } from './encoder';

export class Adam {
  private step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly cfg: OptimizerConfig,
    private readonly params: ReadonlyMap<string, tf.Variable>,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  get steps(): number {
    return this.step;
  }

  /** Applies one update; `grads` holds a gradient for every parameter name. Returns the pre-clip global norm. */
  apply(grads: ReadonlyMap<string, tf.Tensor>): number {
    const { lr, beta1, beta2, epsilon, weightDecay, clipNorm } = this.cfg;
    this.step += 1;
    const t = this.step;
    const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    let norm = 0;
    tf.tidy(() => {
      const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
      norm = Math.sqrt(tf.addN(squares).dataSync()[0] as number);
      const clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
      for (const [name, p] of this.params) {
        const raw = grads.get(name);
        if (!raw) throw new Error(`Adam.apply: no gradient for parameter '${name}'`);
        const g = clip === 1 ? raw : tf.mul(raw, clip);
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        let next = tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), stepSize));
        if (weightDecay > 0) next = tf.sub(next, tf.mul(p, lr * weightDecay));
        p.assign(next);
      }
    });
    return norm;
  }

  /** Moments as named arrays (`m/<param>`, `v/<param>`) plus the step count. */
  exportState(): { step: number; moments: NamedWeights } {
    const moments: NamedWeights = {};
    for (const [name, t] of this.m) moments[`m/${name}`] = { shape: t.shape.slice(), data: (t.dataSync() as Float32Array).slice() };
    for (const [name, t] of this.v) moments[`v/${name}`] = { shape: t.shape.slice(), data: (t.dataSync() as Float32Array).slice() };
    return { step: this.step, moments };
  }

  restoreState(state: { step: number; moments: NamedWeights }): void {
    for (const [prefix, map] of [['m/', this.m], ['v/', this.v]] as const) {
      for (const [name, t] of map) {
        const saved = state.moments[prefix + name];
        if (!saved || saved.shape.join('x') !== t.shape.join('x')) {
          throw new Error(`Adam.restoreState: checkpoint lacks moment '${prefix}${name}' of shape [${t.shape.join(',')}]`);
        }
        t.assign(tf.tensor(saved.data, t.shape));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
