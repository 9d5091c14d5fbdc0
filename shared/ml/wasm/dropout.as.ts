// AssemblyScript (see attention.as.ts): dropout drawn in WASM from the stream of ../kernels/dropout.ts's
// dropoutFactors (mulberry32, from the state a Random starts in), so the factors are the same
// bit for bit; the JS loop cost ~4 % of a training step, and its fresh array another
// allocation per dropout site.
//  - dropoutFactors: the factors themselves, out f32 [size]
//  - residualForward / residualBackward: a Transformer block's residual step
//    out = x + dropout(y + b) over [rows × cols] (b [cols]) as one pass each way, in place of
//    tfjs's bias Add, factor Mul and residual Add (and, backward, the Mul, a Transpose and a
//    Sum for the bias). Each element takes the same f32 operations in the same order as
//    those kernels, and the bias gradient sums each column top to bottom from 0 as tfjs's Sum
//    does, so the values are the same bit for bit. The backward pass redraws the factors.
// A factor is keep where the draw is ≥ threshold (= rate·2³²), else 0; dropout 0 draws none.

import { drawFactors, keepFrom, nextFactor, nextFactors4, seedDraws } from './lib/mulberry32.as';
import { bytes4, inMemory } from './lib/check.as';

export function dropoutFactors(out: usize, size: i32, seedState: u32, threshold: f64, keep: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(size >= 0 && inMemory(out, bytes4(size)), 'dropoutFactors: out lies outside memory');
  }
  seedDraws(seedState);
  drawFactors(out, size, keepFrom(threshold), keep);
}

// Rows whose width is a multiple of 4 go four columns at a time (four draws at once, the
// same draws in the same order); others one value at a time.

export function residualForward(x: usize, y: usize, b: usize, out: usize, rows: i32, cols: i32, dropout: i32, seedState: u32, threshold: f64, keep: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0, 'residual: rows and cols ≥ 0');
    assert(inMemory(x, bytes4(rows, cols)) && inMemory(y, bytes4(rows, cols)) && inMemory(out, bytes4(rows, cols)) && inMemory(b, bytes4(cols)), 'residualForward: an operand lies outside memory');
  }
  seedDraws(seedState);
  const limit = keepFrom(threshold);
  const limits = i32x4.splat(limit);
  const kept = f32x4.splat(keep);
  const lanes = (cols & 3) == 0 ? cols : 0;
  for (let r = 0; r < rows; r++) {
    const row = (<usize>r * <usize>cols) << 2;
    for (let c = 0; c < lanes; c += 4) {
      const o = row + (<usize>c << 2);
      let v = f32x4.add(v128.load(y + o), v128.load(b + (<usize>c << 2)));
      if (dropout) v = f32x4.mul(v, nextFactors4(limits, kept));
      v128.store(out + o, f32x4.add(v128.load(x + o), v));
    }
    for (let c = lanes; c < cols; c++) {
      const o = row + (<usize>c << 2);
      let v: f32 = load<f32>(y + o) + load<f32>(b + (<usize>c << 2));
      if (dropout) v = v * nextFactor(limit, keep);
      store<f32>(out + o, load<f32>(x + o) + v);
    }
  }
}

/** dy = dout·factor, db = Σ_rows dy; the gradient of x is dout itself. */
export function residualBackward(dout: usize, dy: usize, db: usize, rows: i32, cols: i32, dropout: i32, seedState: u32, threshold: f64, keep: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0, 'residual: rows and cols ≥ 0');
    assert(inMemory(dout, bytes4(rows, cols)) && inMemory(dy, bytes4(rows, cols)) && inMemory(db, bytes4(cols)), 'residualBackward: an operand lies outside memory');
  }
  seedDraws(seedState);
  const limit = keepFrom(threshold);
  const limits = i32x4.splat(limit);
  const kept = f32x4.splat(keep);
  const lanes = (cols & 3) == 0 ? cols : 0;
  for (let c = 0; c < cols; c++) store<f32>(db + (<usize>c << 2), 0);
  for (let r = 0; r < rows; r++) {
    const row = (<usize>r * <usize>cols) << 2;
    for (let c = 0; c < lanes; c += 4) {
      const o = row + (<usize>c << 2);
      let g = v128.load(dout + o);
      if (dropout) g = f32x4.mul(g, nextFactors4(limits, kept));
      v128.store(dy + o, g);
      const at = db + (<usize>c << 2);
      v128.store(at, f32x4.add(v128.load(at), g));
    }
    for (let c = lanes; c < cols; c++) {
      const o = row + (<usize>c << 2);
      let g = load<f32>(dout + o);
      if (dropout) g = g * nextFactor(limit, keep);
      store<f32>(dy + o, g);
      const at = db + (<usize>c << 2);
      store<f32>(at, load<f32>(at) + g);
    }
  }
}
