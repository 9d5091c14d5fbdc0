// AssemblyScript (see attention.as.ts): the gradient of a softmax cross-entropy block, written
// row-major in place of the probabilities; the full-softmax loss then multiplies it by the
// classes and the hidden states where it lies (matmul.as.ts, softmax-loss.ts).
//   probs  f32 [m × c] softmax probabilities, overwritten by G = (P − onehot(t))·coef_row
//   targets i32 [m], coefs f32 [m]
// and the softmax itself with each row's loss, on the logits where they lie.

import { expv, horizontal } from './lib/simd-math.as';

export function softmaxGradient(probs: usize, targets: usize, coefs: usize, m: i32, c: i32): void {
  const rowBytes = <usize>c << 2;
  for (let i = 0; i < m; i++) {
    const row = probs + <usize>i * rowBytes;
    const coef = load<f32>(coefs + (<usize>i << 2));
    const k = f32x4.splat(coef);
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const at = row + (<usize>j << 2);
      v128.store(at, f32x4.mul(v128.load(at), k));
    }
    for (; j < c; j++) {
      const at = row + (<usize>j << 2);
      store<f32>(at, load<f32>(at) * coef);
    }
    const target = row + (<usize>load<i32>(targets + (<usize>i << 2)) << 2);
    store<f32>(target, load<f32>(target) - coef);
  }
}

/**
 * probs = softmax(logits) per row, and each row's log-sum-exp parts, lse[i] = (max − x_t, Σ e^(x − max)),
 * so the caller's −log probs[i][t] = lse₀ + log lse₁ stays exact where the probability
 * underflows float32 (the logarithm is the caller's: AssemblyScript's would place its lookup
 * tables in the memory this module imports). probs may be logits itself (overwritten in place).
 */
export function softmaxCrossEntropy(logits: usize, targets: usize, probs: usize, lse: usize, m: i32, c: i32): void {
  const rowBytes = <usize>c << 2;
  const wide = c & ~3;
  for (let i = 0; i < m; i++) {
    const x = logits + <usize>i * rowBytes;
    const p = probs + <usize>i * rowBytes;
    const target = load<f32>(x + (<usize>load<i32>(targets + (<usize>i << 2)) << 2));
    let maxes = f32x4.splat(-Infinity);
    for (let j = 0; j < wide; j += 4) maxes = f32x4.max(maxes, v128.load(x + (<usize>j << 2)));
    let max = Mathf.max(Mathf.max(f32x4.extract_lane(maxes, 0), f32x4.extract_lane(maxes, 1)), Mathf.max(f32x4.extract_lane(maxes, 2), f32x4.extract_lane(maxes, 3)));
    for (let j = wide; j < c; j++) max = Mathf.max(max, load<f32>(x + (<usize>j << 2)));
    const shift = f32x4.splat(max);
    let sums = f32x4.splat(0);
    for (let j = 0; j < wide; j += 4) {
      const e = expv(f32x4.sub(v128.load(x + (<usize>j << 2)), shift));
      v128.store(p + (<usize>j << 2), e);
      sums = f32x4.add(sums, e);
    }
    let sum = horizontal(sums);
    for (let j = wide; j < c; j++) {
      // the same e^x as the wide lanes
      const e = f32x4.extract_lane(expv(f32x4.splat(load<f32>(x + (<usize>j << 2)) - max)), 0);
      store<f32>(p + (<usize>j << 2), e);
      sum += e;
    }
    store<f32>(lse + (<usize>i << 3), max - target);
    store<f32>(lse + (<usize>i << 3) + 4, sum);
    const inverse = f32x4.splat(1 / sum);
    for (let j = 0; j < wide; j += 4) v128.store(p + (<usize>j << 2), f32x4.mul(v128.load(p + (<usize>j << 2)), inverse));
    for (let j = wide; j < c; j++) store<f32>(p + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) * (1 / sum));
  }
}
