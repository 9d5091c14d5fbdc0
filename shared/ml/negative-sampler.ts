// Where the negatives of a sampled softmax come from.
//
// Uniform draws (the default) rarely meet the items that dominate a context's full softmax:
// on Amazon Beauty 4096 uniform draws cover 7.5 % of the 54.5k items, and the popular ones
// that a context's logits favour are no likelier to be drawn than any other. Drawing by
// smoothed training frequency, q_j ∝ (count_j + 1)^0.75 (word2vec's exponent), meets those
// items far more often; each drawn negative's logit is then lowered by log(K·q_j), the log of
// its expected count among the K draws (the log-Q correction of Bengio & Senécal 2008, Yi et
// al. 2019), so that Σ_draws exp(logit_j)/(K·q_j) estimates the full softmax's denominator
// without bias rather than one tilted towards popular items (kernels/softmax-loss.ts).
import type { Random } from '../random';
import type { LossConfig } from './config';

export const POPULARITY_EXPONENT = 0.75;

export interface NegativeSampler {
  readonly classes: number;
  /** k class ids drawn with replacement */
  draw(k: number, rng: Random): Int32Array;
  /** whether the loss lowers each draw's logit by logExpectedCount (false: uniform draws enter as they are) */
  readonly corrected: boolean;
  /** log of the expected number of times class c appears among k draws: log k·q_c */
  logExpectedCount(c: number, k: number): number;
}

export function uniformSampler(classes: number): NegativeSampler {
  return {
    classes,
    draw(k, rng) {
      const out = new Int32Array(k);
      for (let j = 0; j < k; j++) out[j] = rng.int(classes);
      return out;
    },
    corrected: false,
    logExpectedCount: (_c, k) => Math.log(k / classes),
  };
}

/** q_c ∝ (counts[c] + 1)^0.75, drawn by binary search over the cumulative weights. */
export function popularitySampler(counts: ArrayLike<number>): NegativeSampler {
  const classes = counts.length;
  if (classes === 0) throw new Error('popularitySampler: there are no classes to draw from');
  const cumulative = new Float64Array(classes);
  const logQ = new Float64Array(classes);
  let total = 0;
  for (let c = 0; c < classes; c++) {
    const n = counts[c] as number;
    if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`popularitySampler: counts[${c}]=${n} must be a finite count ≥ 0`);
    const weight = (n + 1) ** POPULARITY_EXPONENT;
    total += weight;
    cumulative[c] = total;
    logQ[c] = Math.log(weight);
  }
  const logTotal = Math.log(total);
  return {
    classes,
    draw(k, rng) {
      const out = new Int32Array(k);
      for (let j = 0; j < k; j++) {
        const r = rng.next() * total;
        let lo = 0;
        let hi = classes - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((cumulative[mid] as number) > r) hi = mid;
          else lo = mid + 1;
        }
        out[j] = lo;
      }
      return out;
    },
    corrected: true,
    logExpectedCount: (c, k) => Math.log(k) + (logQ[c] as number) - logTotal,
  };
}

/** The sampler a loss config asks for over `classes` classes; `counts` are their training frequencies. */
export function samplerFor(loss: LossConfig, classes: number, counts: () => ArrayLike<number>): NegativeSampler {
  return loss.kind === 'sampled' && loss.sampler === 'popularity' ? popularitySampler(counts()) : uniformSampler(classes);
}

/** How often each id in [0, classes) occurs in `ids`. */
export function countsOf(ids: ArrayLike<number>, classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (let i = 0; i < ids.length; i++) counts[ids[i] as number] = (counts[ids[i] as number] as number) + 1;
  return counts;
}
