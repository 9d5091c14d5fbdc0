// AssemblyScript (see attention.as.ts): the row-wise parts of a Transformer block, forward
// and backward, each one pass over [rows × cols] f32 matrices in this module's memory. On
// tfjs ops a layer norm is ~10 kernels forward and ~15 backward, GELU ~8 and ~12, each a
// full sweep over the activations; here each is one or two sweeps.
// cols must be a multiple of 4.
import { expv, horizontal } from './lib/simd-math.as';
import { bytes4, inMemory } from './lib/check.as';

const GELU_C: f32 = 0.7978845608028654; // √(2/π)
const GELU_A: f32 = 0.044715;

/** y = (x − μ)/√(σ² + eps)·γ + β per row. */
export function layerNormForward(x: usize, gamma: usize, beta: usize, y: usize, rows: i32, cols: i32, eps: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && cols % 4 == 0, 'layerNormForward: rows ≥ 0, cols a multiple of 4');
    assert(inMemory(x, bytes4(rows, cols)) && inMemory(y, bytes4(rows, cols)) && inMemory(gamma, bytes4(cols)) && inMemory(beta, bytes4(cols)), 'layerNormForward: an operand lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  const inv: f32 = 1 / <f32>cols;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let sum = f32x4.splat(0);
    for (let c = 0; c < cols; c += 4) sum = f32x4.add(sum, v128.load(xr + (<usize>c << 2)));
    const mean = horizontal(sum) * inv;
    const mv = f32x4.splat(mean);
    let sq = f32x4.splat(0);
    for (let c = 0; c < cols; c += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>c << 2)), mv);
      sq = f32x4.add(sq, f32x4.mul(d, d));
    }
    const rstd = f32x4.splat(1 / Mathf.sqrt(horizontal(sq) * inv + eps));
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rstd);
      v128.store(yr + o, f32x4.add(f32x4.mul(xhat, v128.load(gamma + o)), v128.load(beta + o)));
    }
  }
}

/**
 * Gradients of layerNormForward given dy: with x̂ the normalised row and g = dy·γ,
 *   dx = (g − mean(g) − x̂·mean(g·x̂))/σ,  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy.
 */
export function layerNormBackward(x: usize, gamma: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize, xhat: usize, rows: i32, cols: i32, eps: f32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && cols % 4 == 0, 'layerNormBackward: rows ≥ 0, cols a multiple of 4');
    assert(inMemory(x, bytes4(rows, cols)) && inMemory(dy, bytes4(rows, cols)) && inMemory(dx, bytes4(rows, cols)), 'layerNormBackward: x, dy or dx lies outside memory');
    assert(inMemory(gamma, bytes4(cols)) && inMemory(dgamma, bytes4(cols)) && inMemory(dbeta, bytes4(cols)) && inMemory(xhat, bytes4(cols)), 'layerNormBackward: gamma, dgamma, dbeta or xhat lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  const inv: f32 = 1 / <f32>cols;
  memory.fill(dgamma, 0, rowBytes);
  memory.fill(dbeta, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const dyr = dy + <usize>r * rowBytes;
    const dxr = dx + <usize>r * rowBytes;
    let sum = f32x4.splat(0);
    for (let c = 0; c < cols; c += 4) sum = f32x4.add(sum, v128.load(xr + (<usize>c << 2)));
    const mv = f32x4.splat(horizontal(sum) * inv);
    let sq = f32x4.splat(0);
    for (let c = 0; c < cols; c += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>c << 2)), mv);
      sq = f32x4.add(sq, f32x4.mul(d, d));
    }
    const rstd: f32 = 1 / Mathf.sqrt(horizontal(sq) * inv + eps);
    const rv = f32x4.splat(rstd);
    let gSum = f32x4.splat(0);
    let gxSum = f32x4.splat(0);
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      v128.store(xhat + o, xh);
      const d = v128.load(dyr + o);
      const g = f32x4.mul(d, v128.load(gamma + o));
      gSum = f32x4.add(gSum, g);
      gxSum = f32x4.add(gxSum, f32x4.mul(g, xh));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, xh)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    const gMean = f32x4.splat(horizontal(gSum) * inv);
    const gxMean = f32x4.splat(horizontal(gxSum) * inv);
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      const g = f32x4.mul(v128.load(dyr + o), v128.load(gamma + o));
      const inner = f32x4.sub(f32x4.sub(g, gMean), f32x4.mul(v128.load(xhat + o), gxMean));
      v128.store(dxr + o, f32x4.mul(inner, rv));
    }
  }
}

/**
 * 1 + e^(−2u), u = √(2/π)·(z + 0.044715·z³), on four lanes given z and z²: GELU's tanh form
 * ½·z·(1 + tanh u) is z·σ(2u) = z / this, one exponential and one division where tanh took
 * an exponential, a division and three more operations.
 */
// @ts-ignore: decorator
@inline function geluDenominator(z: v128, z2: v128): v128 {
  const minusTwoU = f32x4.mul(f32x4.splat(-2 * GELU_C), f32x4.add(z, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(z2, z))));
  return f32x4.add(f32x4.splat(1), expv(minusTwoU));
}

/**
 * y = gelu(x + b) per row (tanh approximation: 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))), as
 * z·σ(2u)), and slope = gelu′(x + b) = σ + 2·z·σ·(1 − σ)·u′ with σ = σ(2u) and
 * u′ = √(2/π)·(1 + 3·0.044715·z²): the backward pass's factor, written while σ is at hand so
 * that pass needs neither x nor an exponential.
 */
export function biasGeluForward(x: usize, bias: usize, y: usize, slope: usize, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && cols % 4 == 0, 'biasGeluForward: rows ≥ 0, cols a multiple of 4');
    assert(inMemory(x, bytes4(rows, cols)) && inMemory(y, bytes4(rows, cols)) && inMemory(slope, bytes4(rows, cols)) && inMemory(bias, bytes4(cols)), 'biasGeluForward: an operand lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    for (let c = 0; c < cols; c += 4) {
      const o = at + (<usize>c << 2);
      const z = f32x4.add(v128.load(x + o), v128.load(bias + (<usize>c << 2)));
      const z2 = f32x4.mul(z, z);
      const sigma = f32x4.div(one, geluDenominator(z, z2));
      const twoDu = f32x4.mul(f32x4.splat(2 * GELU_C), f32x4.add(one, f32x4.mul(f32x4.splat(3 * GELU_A), z2)));
      v128.store(y + o, f32x4.mul(z, sigma));
      v128.store(slope + o, f32x4.mul(sigma, f32x4.add(one, f32x4.mul(f32x4.mul(z, f32x4.sub(one, sigma)), twoDu))));
    }
  }
}

/** dx = dy·slope (the forward pass's gelu′), db = Σ_rows dx. */
export function biasGeluBackward(slope: usize, dy: usize, dx: usize, dbias: usize, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && cols % 4 == 0, 'biasGeluBackward: rows ≥ 0, cols a multiple of 4');
    assert(inMemory(slope, bytes4(rows, cols)) && inMemory(dy, bytes4(rows, cols)) && inMemory(dx, bytes4(rows, cols)) && inMemory(dbias, bytes4(cols)), 'biasGeluBackward: an operand lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  memory.fill(dbias, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const at = <usize>r * rowBytes;
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      const g = f32x4.mul(v128.load(dy + at + o), v128.load(slope + at + o));
      v128.store(dx + at + o, g);
      v128.store(dbias + o, f32x4.add(v128.load(dbias + o), g));
    }
  }
}

/** out = Σ_rows x, each column summed top to bottom from 0 as tfjs's Sum does (so the same bits): a bias's gradient. */
export function columnSums(x: usize, out: usize, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && cols % 4 == 0, 'columnSums: rows ≥ 0, cols a multiple of 4');
    assert(inMemory(x, bytes4(rows, cols)) && inMemory(out, bytes4(cols)), 'columnSums: x or out lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  for (let c = 0; c < cols; c += 4) v128.store(out + (<usize>c << 2), f32x4.splat(0));
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(xr + o)));
    }
  }
}
