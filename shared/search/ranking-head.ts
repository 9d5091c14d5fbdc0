// Query-aware ranking head over frozen sentence embeddings (query q and item text v, both
// L2-normalised rows of the same text model), plus an optional learned item id vector e_i:
//
//   s(q, i) = α · q·v_i  +  (A q) · (B v_i + e_i)          A, B: r × d;  e_i: r;  α: scalar
//
// The first term is the zero-shot encoder's cosine; B and e start at 0, so training starts from
// the zero-shot ranking and learns a low-rank correction (the LoRA-style start: A random, B zero).
// Trained listwise (ListNet top-1, Cao et al. 2007): for one logged search with candidates C (the
// shown items plus `negatives` items drawn from the catalogue) and gains g,
//   t_j = g_j / Σ g,   p = softmax(s_C),   loss = −Σ_j t_j log p_j,   ∂loss/∂s_j = p_j − t_j
// so clicks and add-to-cart (gain > 0) are pulled up, shown-not-clicked and drawn items pushed
// down, and graded judgments weight their items by grade. Adam on minibatches of searches.

import { z } from 'zod';
import type { Matrix } from '../data/types';
import { Random } from '../random';
import type { GainLists } from './search-task';

export const rankingHeadOptionsSchema = z.object({
  /** rank r of the learned correction */
  rank: z.number().int().positive().default(32),
  /** learn a per-item id vector e_i beside the text projection */
  itemVectors: z.boolean().default(false),
  /** keep a search's shown-not-taken-up items as negatives; off: only drawn catalogue items are */
  impressionNegatives: z.boolean().default(true),
  /** catalogue items drawn as extra negatives per search */
  negatives: z.number().int().nonnegative().default(32),
  learningRate: z.number().positive().default(0.005),
  /** L2 penalty on B and e */
  l2: z.number().nonnegative().default(1e-4),
  /** searches per Adam step */
  batchSize: z.number().int().positive().default(32),
  /** starting α: the cosine's inverse temperature */
  initialScale: z.number().positive().default(10),
  seed: z.number().int().default(1),
});
export type RankingHeadOptions = z.input<typeof rankingHeadOptionsSchema>;
export type RankingHeadSettings = z.output<typeof rankingHeadOptionsSchema>;

export interface RankingHeadParameters {
  readonly dim: number;
  readonly rank: number;
  /** A: r × d, row-major */
  readonly a: Float32Array;
  /** B: r × d, row-major */
  readonly b: Float32Array;
  /** e: items × r (empty without item vectors) */
  readonly e: Float32Array;
  /** [α] */
  readonly scale: Float32Array;
}

/** Training rows: lists of (item, gain) with the query (embedding row) each belongs to. */
export interface TrainingLists {
  readonly lists: GainLists;
  readonly rows: Int32Array;
  /** query embedding row of each list */
  readonly listQuery: Int32Array;
}

export class RankingHead {
  readonly settings: RankingHeadSettings;
  readonly params: RankingHeadParameters;
  private readonly items: Matrix;
  private readonly rng: Random;
  private readonly adam: Adam;
  /** B v_i + e_i per item, refreshed by prepareScoring() */
  private projected: Float32Array | undefined;

  constructor(items: Matrix, options: RankingHeadOptions = {}) {
    this.settings = rankingHeadOptionsSchema.parse(options);
    this.items = items;
    this.rng = new Random(this.settings.seed);
    const { rank } = this.settings;
    const dim = items.cols;
    const a = new Float32Array(rank * dim);
    // uniform with variance 1/d, so A q has unit-scale entries for a unit-norm q
    const spread = Math.sqrt(3 / dim);
    for (let i = 0; i < a.length; i++) a[i] = (2 * this.rng.next() - 1) * spread;
    this.params = {
      dim,
      rank,
      a,
      b: new Float32Array(rank * dim),
      e: new Float32Array(this.settings.itemVectors ? items.rows * rank : 0),
      scale: Float32Array.of(this.settings.initialScale),
    };
    this.adam = new Adam([this.params.a, this.params.b, this.params.e, this.params.scale]);
  }

  /**
   * One pass over `training.rows` in a shuffled order; returns the mean loss. `observe` is told,
   * for each list entry with a positive gain, its log-probability log p_j among the list's
   * candidates before the step (training dynamics read it as a per-click loss).
   */
  trainEpoch(queries: Matrix, training: TrainingLists, observe?: (entry: number, logProb: number) => void): number {
    if (queries.cols !== this.params.dim) throw new RangeError(`query embeddings have width ${queries.cols}, the head ${this.params.dim}`);
    const order = training.rows.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const { dim, rank } = this.params;
    const grads = [new Float32Array(this.params.a.length), new Float32Array(this.params.b.length), new Float32Array(this.params.e.length), new Float32Array(1)] as const;
    const [gA, gB, gE, gScale] = grads;
    const u = new Float32Array(rank);
    const du = new Float32Array(rank);
    const z = new Float32Array(dim);
    let totalLoss = 0;
    let lists = 0;
    let inBatch = 0;
    const candidates: number[] = [];
    const targets: number[] = [];
    /** the list entry of each candidate; -1 for a drawn negative */
    const entries: number[] = [];
    for (const row of order) {
      const { start, item, gain } = training.lists;
      candidates.length = 0;
      targets.length = 0;
      entries.length = 0;
      let gainSum = 0;
      for (let p = start[row]!; p < start[row + 1]!; p++) {
        if (gain[p]! <= 0 && !this.settings.impressionNegatives) continue;
        candidates.push(item[p]!);
        targets.push(gain[p]!);
        entries.push(p);
        gainSum += gain[p]!;
      }
      if (gainSum <= 0) continue; // nothing was taken up: no preference to learn
      const listed = new Set(candidates);
      for (let n = 0; n < this.settings.negatives; n++) {
        const drawn = this.rng.int(this.items.rows);
        if (listed.has(drawn)) continue;
        listed.add(drawn);
        candidates.push(drawn);
        targets.push(0);
        entries.push(-1);
      }
      const q = queries.data.subarray(training.listQuery[row]! * dim, (training.listQuery[row]! + 1) * dim);
      matVec(this.params.a, q, rank, dim, u);
      const c = candidates.length;
      const cos = new Float32Array(c);
      const w = new Float32Array(c * rank);
      const s = new Float32Array(c);
      for (let j = 0; j < c; j++) {
        const v = this.items.data.subarray(candidates[j]! * dim, (candidates[j]! + 1) * dim);
        const wj = w.subarray(j * rank, (j + 1) * rank);
        this.itemProjection(candidates[j]!, v, wj);
        cos[j] = dot(q, v);
        s[j] = this.params.scale[0]! * cos[j]! + dot(u, wj);
      }
      // softmax and ListNet gradient δ = p − t
      let max = -Infinity;
      for (let j = 0; j < c; j++) max = Math.max(max, s[j]!);
      let denominator = 0;
      for (let j = 0; j < c; j++) denominator += Math.exp(s[j]! - max);
      const logZ = max + Math.log(denominator);
      du.fill(0);
      z.fill(0);
      for (let j = 0; j < c; j++) {
        const t = targets[j]! / gainSum;
        totalLoss -= t > 0 ? t * (s[j]! - logZ) : 0;
        if (observe && t > 0) observe(entries[j]!, s[j]! - logZ);
        const delta = Math.exp(s[j]! - logZ) - t;
        gScale[0]! += delta * cos[j]!;
        for (let k = 0; k < rank; k++) du[k]! += delta * w[j * rank + k]!;
        const v = this.items.data.subarray(candidates[j]! * dim, (candidates[j]! + 1) * dim);
        for (let d = 0; d < dim; d++) z[d]! += delta * v[d]!;
        if (gE.length > 0) for (let k = 0; k < rank; k++) gE[candidates[j]! * rank + k]! += delta * u[k]!;
      }
      addOuter(gA, du, q, rank, dim); // ∂/∂A = du ⊗ q
      addOuter(gB, u, z, rank, dim); // ∂/∂B = u ⊗ Σ δ_j v_j
      lists++;
      if (++inBatch === this.settings.batchSize) {
        this.step(grads, inBatch);
        inBatch = 0;
      }
    }
    if (inBatch > 0) this.step(grads, inBatch);
    this.projected = undefined;
    return lists > 0 ? totalLoss / lists : Number.NaN;
  }

  /** Scores of every catalogue item for one query embedding, into `out`. */
  scoreAll(query: Float32Array, out: Float32Array): void {
    const { dim, rank } = this.params;
    if (query.length !== dim) throw new RangeError(`query embedding has width ${query.length}, the head ${dim}`);
    if (out.length !== this.items.rows) throw new RangeError(`score buffer has ${out.length} slots for ${this.items.rows} items`);
    const projected = this.prepareScoring();
    const u = matVec(this.params.a, query, rank, dim, new Float32Array(rank));
    const alpha = this.params.scale[0]!;
    for (let i = 0; i < this.items.rows; i++) {
      out[i] = alpha * dot(query, this.items.data.subarray(i * dim, (i + 1) * dim)) + dot(u, projected.subarray(i * rank, (i + 1) * rank));
    }
  }

  /** A copy of the current parameters (for keeping the best epoch). */
  snapshot(): RankingHeadParameters {
    const p = this.params;
    return { dim: p.dim, rank: p.rank, a: p.a.slice(), b: p.b.slice(), e: p.e.slice(), scale: p.scale.slice() };
  }

  restore(saved: RankingHeadParameters): void {
    this.params.a.set(saved.a);
    this.params.b.set(saved.b);
    this.params.e.set(saved.e);
    this.params.scale.set(saved.scale);
    this.projected = undefined;
  }

  private prepareScoring(): Float32Array {
    if (this.projected) return this.projected;
    const { dim, rank } = this.params;
    const projected = new Float32Array(this.items.rows * rank);
    for (let i = 0; i < this.items.rows; i++) this.itemProjection(i, this.items.data.subarray(i * dim, (i + 1) * dim), projected.subarray(i * rank, (i + 1) * rank));
    this.projected = projected;
    return projected;
  }

  /** w = B v + e_item */
  private itemProjection(item: number, v: Float32Array, w: Float32Array): void {
    const { dim, rank } = this.params;
    matVec(this.params.b, v, rank, dim, w);
    if (this.params.e.length > 0) for (let k = 0; k < rank; k++) w[k]! += this.params.e[item * rank + k]!;
  }

  private step(grads: readonly [Float32Array, Float32Array, Float32Array, Float32Array], lists: number): void {
    const { l2 } = this.settings;
    const [, gB, gE] = grads;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i]! /= lists;
    for (let i = 0; i < gB.length; i++) gB[i]! += l2 * this.params.b[i]!;
    for (let i = 0; i < gE.length; i++) gE[i]! += l2 * this.params.e[i]!;
    this.adam.step(grads, this.settings.learningRate);
    for (const g of grads) g.fill(0);
  }
}

/** Adam (Kingma & Ba 2015) over a fixed list of parameter arrays. */
class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  constructor(private readonly params: readonly Float32Array[]) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }
  step(grads: readonly Float32Array[], learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): void {
    this.t++;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    this.params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
        p[i]! -= (learningRate * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + epsilon);
      }
    });
  }
}

function dot(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * y[i]!;
  return sum;
}

/** out = M x, M rows × cols row-major */
function matVec(m: Float32Array, x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) sum += m[base + c]! * x[c]!;
    out[r] = sum;
  }
  return out;
}

/** g += x ⊗ y, g rows × cols row-major */
function addOuter(g: Float32Array, x: Float32Array, y: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const xr = x[r]!;
    if (xr === 0) continue;
    const base = r * cols;
    for (let c = 0; c < cols; c++) g[base + c]! += xr * y[c]!;
  }
}
