// AssemblyScript (see attention.as.ts): the gradient of a softmax cross-entropy block, written
// row-major in place of the probabilities; the full-softmax loss then multiplies it by the
// classes and the hidden states where it lies (matmul.as.ts, softmax-loss.ts).
//   probs  f32 [m × c] softmax probabilities, overwritten by G = (P − onehot(t))·coef_row
//   targets i32 [m], coefs f32 [m]

import { bytes4, inMemory } from './lib/check.as';

export function softmaxGradient(probs: usize, targets: usize, coefs: usize, m: i32, c: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(m >= 0 && c > 0, 'softmaxGradient: m ≥ 0, c > 0');
    assert(inMemory(probs, bytes4(m, c)) && inMemory(targets, bytes4(m)) && inMemory(coefs, bytes4(m)), 'softmaxGradient: an operand lies outside memory');
  }
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
    if (!ASC_NO_ASSERT) assert(<u32>load<i32>(targets + (<usize>i << 2)) < <u32>c, 'softmaxGradient: a target outside [0, c)');
    const target = row + (<usize>load<i32>(targets + (<usize>i << 2)) << 2);
    store<f32>(target, load<f32>(target) - coef);
  }
}
