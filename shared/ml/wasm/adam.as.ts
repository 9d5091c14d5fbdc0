// AssemblyScript (see attention.as.ts): Adam's two sweeps over one parameter, as ../adam.ts's
// loops do them — f64 arithmetic on f32 storage, the same operations in the same order, so
// the same bits — two elements at a time. In JavaScript the loops over a large item table cost
// more than the rest of a dense step (docs/performance.md).
//   g, m, v, w  f32 [rows × cols]  gradient, moments, weights
//   touched     u8  [rows]         1 where the row takes this step's update

import { bytes4, inMemory } from './lib/check.as';

/**
 * `total` plus each row's sum of squared gradients, row after row (each row summed from 0 in
 * order); marks the rows whose gradient is not all zero as touched, or every row when !lazy.
 */
export function adamRowSquares(g: usize, touched: usize, rows: i32, cols: i32, lazy: bool, total: f64): f64 {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && inMemory(g, bytes4(rows, cols)) && inMemory(touched, <u64>rows), 'adamRowSquares: g or touched lies outside memory');
  }
  for (let r = 0; r < rows; r++) {
    const row = g + ((<usize>r * <usize>cols) << 2);
    let squares: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const x = <f64>load<f32>(row + (<usize>c << 2));
      squares += x * x;
    }
    store<u8>(touched + <usize>r, squares > 0 || !lazy ? 1 : 0);
    total += squares;
  }
  return total;
}

/**
 * The update of the touched rows: m ← β1·m + (1−β1)·ĝ, v ← β2·v + (1−β2)·ĝ·ĝ (ĝ = g·clip,
 * both stored as f32 and read back), w ← w − stepSize·m/(√v + ε) − decay·w. Returns 1 when
 * a row was touched.
 */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, touched: usize, rows: i32, cols: i32, clip: f64, beta1: f64, beta2: f64, stepSize: f64, epsilon: f64, decay: f64): i32 {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && inMemory(touched, <u64>rows), 'adamUpdate: touched lies outside memory');
    assert(inMemory(w, bytes4(rows, cols)) && inMemory(g, bytes4(rows, cols)) && inMemory(m, bytes4(rows, cols)) && inMemory(v, bytes4(rows, cols)), 'adamUpdate: w, g, m or v lies outside memory');
  }
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  const clipv = f64x2.splat(clip);
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const c1 = f64x2.splat(oneMinusBeta1);
  const c2 = f64x2.splat(oneMinusBeta2);
  const step = f64x2.splat(stepSize);
  const eps = f64x2.splat(epsilon);
  const dec = f64x2.splat(decay);
  let changed = 0;
  for (let r = 0; r < rows; r++) {
    if (load<u8>(touched + <usize>r) == 0) continue;
    changed = 1;
    let i = r * cols;
    const end = i + cols;
    for (; i + 2 <= end; i += 2) {
      const o = <usize>i << 2;
      const gi = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(g + o)), clipv);
      const mf = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(c1, gi)));
      const vf = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(b2, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(f64x2.mul(c2, gi), gi)));
      v128.store64_lane(m + o, mf, 0);
      v128.store64_lane(v + o, vf, 0);
      const wi = f64x2.promote_low_f32x4(v128.load64_zero(w + o));
      const ratio = f64x2.div(f64x2.promote_low_f32x4(mf), f64x2.add(f64x2.sqrt(f64x2.promote_low_f32x4(vf)), eps));
      v128.store64_lane(w + o, f32x4.demote_f64x2_zero(f64x2.sub(f64x2.sub(wi, f64x2.mul(step, ratio)), f64x2.mul(dec, wi))), 0);
    }
    for (; i < end; i++) {
      const o = <usize>i << 2;
      const gi = <f64>load<f32>(g + o) * clip;
      const mi = <f32>(beta1 * <f64>load<f32>(m + o) + oneMinusBeta1 * gi);
      const vi = <f32>(beta2 * <f64>load<f32>(v + o) + oneMinusBeta2 * gi * gi);
      store<f32>(m + o, mi);
      store<f32>(v + o, vi);
      const wi = <f64>load<f32>(w + o);
      store<f32>(w + o, <f32>(wi - stepSize * (<f64>mi / (Math.sqrt(<f64>vi) + epsilon)) - decay * wi));
    }
  }
  return changed;
}
