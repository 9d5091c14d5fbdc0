// AssemblyScript, compiled with the other kernels into one WebAssembly (SIMD) module by
// infra/setup.sh (build/wasm/kernels.wasm): multi-head scaled dot-product attention, forward
// and backward, fused over the heads of one [rows × 3·dim] Q|K|V block. The tfjs WASM
// backend runs batched matMul at 1-2 GFLOP/s against 12-25 for 2-D products, and splitting
// heads costs transposes and mask/scale/softmax kernels on top. Here each (row, head) pair is
// gathered into contiguous, zero-padded tiles, and its five products (scores, output; in the
// backward pass also the probabilities' gradient and the three input gradients) run on the
// 4 × 8 register block of the matrix products (lib/block.as.ts): a query–key dot product at
// a time was load-bound at ~5 GFLOP/s.
//
// Memory is the caller's: every pointer below is a byte offset into this module's memory.
//   qkv   f32 [batch·len × 3·dim]  Q in columns [0, dim), K in [dim, 2·dim), V in [2·dim, 3·dim);
//                                  head h owns columns [h·dh, (h+1)·dh) of each
//   pad   u8  [batch·len]          1 where the position is [PAD] (never attended to)
//   out   f32 [batch·len × dim]    the attention output, heads side by side
//   work  attentionWorkBytes(len, dim, heads) bytes of scratch
// A query row with no key to attend to ([PAD] queries left of a causal row's first item)
// outputs zeros. Dropout on the attention probabilities draws from a mulberry32 stream seeded
// per call, one draw per (row, head, query, key) in that order over the keys a query may see,
// so the backward pass replays the masks instead of storing them.

import { block4x8 } from './lib/block.as';
import { expv, horizontal } from './lib/simd-math.as';
import { drawFactors, seedDraws } from './lib/mulberry32.as';

const LANES: v128 = i32x4(0, 1, 2, 3);

// @ts-ignore: decorator
@inline function ceil8(n: i32): i32 {
  return (n + 7) & ~7;
}

/**
 * Tiles of one (row, head) pair, L = len rounded up to 8, D = dh rounded up to 8 (floats):
 *   forward   qs, vs, os [L × D] (Q, V, the output), kt [D × L] (K transposed),
 *             s [L × L] (scores → probabilities × dropout factors), keep [L]
 *   backward  qs, ks, dos, dqs, dks, dvs [L × D] (Q, K, the output's gradient and the three
 *             input gradients), kt, vt [D × L], s and ds [L × L] (the scores' gradient), keep
 * keep holds one query row's dropout factors.
 */
export function attentionWorkBytes(len: i32, dim: i32, heads: i32): i32 {
  const l = ceil8(len);
  const d = ceil8(dim / heads);
  return (6 * l * d + 2 * d * l + 2 * l * l + l) << 2;
}

/** rows × cols floats (cols a multiple of 4) from `src` (rows srcStride bytes apart) to `dst` (dstStride apart). */
function copyRows(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + <usize>r * dstStride;
    const s = src + <usize>r * srcStride;
    for (let c = 0; c < cols; c += 4) v128.store(d + (<usize>c << 2), v128.load(s + (<usize>c << 2)));
  }
}

/** dst[c][r] = src[r][c] for r < rows, c < cols: src rows srcStride bytes apart, dst rows dstStride apart. */
function transposeRows(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * srcStride;
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>c * dstStride + (<usize>r << 2), load<f32>(s + (<usize>c << 2)));
  }
}

/** x[j] *= y[j] for j < n (a multiple of 4). */
// @ts-ignore: decorator
@inline function multiplyInto(x: usize, y: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) {
    const o = <usize>j << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
}

/**
 * out[rows4 × cols] = a·b, a [· × count] (rows aStride bytes apart), b [count × cols] (bStride
 * apart), out rows outStride apart; rows4 a multiple of 4, cols of 8. `causalRows`: row block
 * i needs only columns below i + 4 (the rest is masked); 0 = all columns.
 */
function product(out: usize, outStride: usize, a: usize, aStride: usize, b: usize, bStride: usize, rows4: i32, cols: i32, count: i32, causalRows: bool): void {
  for (let i = 0; i < rows4; i += 4) {
    const end = causalRows ? min(cols, ceil8(i + 4)) : cols;
    for (let j = 0; j < end; j += 8) block4x8(out + <usize>i * outStride + (<usize>j << 2), outStride, true, a + <usize>i * aStride, aStride, 4, b + (<usize>j << 2), bStride, count);
  }
}

/** out[rows4 × cols] = aᵀ·b over `count` rows: a [count × ·] (rows aStride apart), b [count × cols] (bStride apart). */
function transposedProduct(out: usize, outStride: usize, a: usize, aStride: usize, b: usize, bStride: usize, rows4: i32, cols: i32, count: i32): void {
  for (let i = 0; i < rows4; i += 4) {
    for (let j = 0; j < cols; j += 8) block4x8(out + <usize>i * outStride + (<usize>j << 2), outStride, true, a + (<usize>i << 2), 4, aStride, b + (<usize>j << 2), bStride, count);
  }
}

/**
 * Row i of the score tile s (raw dot products, `l` floats, a multiple of 8) → softmax
 * probabilities over keys [0, end) that are not [PAD], exact zeros elsewhere; the keys' dropout
 * factors drawn into keep (0, or 1/(1−rate); 1 without dropout). False, with no draws, when no
 * key may be attended. Four keys at a time throughout.
 */
// @ts-ignore: decorator
@inline function rowProbabilities(row: usize, padRow: usize, end: i32, l: i32, scale: f32, dropThreshold: u32, keepScale: f32, keep: usize): bool {
  const scalev = f32x4.splat(scale);
  const masked = f32x4.splat(-Infinity);
  const ends = i32x4.splat(end);
  let maxv = masked;
  for (let j = 0; j < l; j += 4) {
    const at = row + (<usize>j << 2);
    // a key counts when it lies before `end` and is not [PAD] (its four flags widened to lanes)
    const flags = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(padRow + <usize>j)));
    const open = v128.and(i32x4.eq(flags, i32x4.splat(0)), i32x4.lt_s(i32x4.add(i32x4.splat(j), LANES), ends));
    const sv = v128.bitselect(f32x4.mul(v128.load(at), scalev), masked, open);
    v128.store(at, sv);
    maxv = f32x4.max(maxv, sv);
  }
  const max = Mathf.max(Mathf.max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)), Mathf.max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)));
  if (max == -Infinity) return false;
  // e^(s − max); masked keys (−∞) get exact zeros
  const shift = f32x4.splat(max);
  let sums = f32x4.splat(0);
  for (let j = 0; j < l; j += 4) {
    const at = row + (<usize>j << 2);
    const sv = v128.load(at);
    const e = v128.andnot(expv(f32x4.sub(sv, shift)), f32x4.eq(sv, masked));
    v128.store(at, e);
    sums = f32x4.add(sums, e);
  }
  const inv = f32x4.splat(1 / horizontal(sums));
  for (let j = 0; j < l; j += 4) {
    const at = row + (<usize>j << 2);
    v128.store(at, f32x4.mul(v128.load(at), inv));
  }
  if (dropThreshold == 0) for (let j = 0; j < l; j += 4) v128.store(keep + (<usize>j << 2), f32x4.splat(1));
  else drawFactors(keep, end, dropThreshold, keepScale);
  return true;
}

export function attentionForward(
  qkv: usize, pad: usize, out: usize, work: usize,
  batch: i32, len: i32, dim: i32, heads: i32, causal: bool,
  dropThreshold: u32, keepScale: f32, seed: u32,
): void {
  seedDraws(seed);
  const dh = dim / heads;
  const l = ceil8(len);
  const d = ceil8(dh);
  const rows4 = (len + 3) & ~3;
  const lBytes = <usize>l << 2;
  const dBytes = <usize>d << 2;
  const qs = work;
  const vs = qs + <usize>l * dBytes;
  const kt = vs + <usize>l * dBytes;
  const s = kt + <usize>d * lBytes;
  const os = s + <usize>l * lBytes;
  const keep = os + <usize>l * dBytes;
  memory.fill(work, 0, keep + lBytes - work);
  const scale: f32 = 1 / Mathf.sqrt(<f32>dh);
  const stride = <usize>(3 * dim) << 2;
  const outStride = <usize>dim << 2;
  for (let b = 0; b < batch; b++) {
    const padRow = pad + <usize>(b * len);
    for (let h = 0; h < heads; h++) {
      const qFirst = qkv + <usize>(b * len) * stride + (<usize>(h * dh) << 2);
      const kFirst = qFirst + outStride;
      const vFirst = kFirst + outStride;
      copyRows(qs, dBytes, qFirst, stride, len, dh);
      copyRows(vs, dBytes, vFirst, stride, len, dh);
      transposeRows(kt, lBytes, kFirst, stride, len, dh);
      product(s, lBytes, qs, dBytes, kt, lBytes, rows4, l, dh, causal);
      for (let i = 0; i < rows4; i++) {
        const row = s + <usize>i * lBytes;
        if (i >= len || !rowProbabilities(row, padRow, causal ? i + 1 : len, l, scale, dropThreshold, keepScale, keep)) {
          memory.fill(row, 0, lBytes);
          continue;
        }
        multiplyInto(row, keep, l);
      }
      product(os, dBytes, s, lBytes, vs, dBytes, rows4, d, len, false);
      copyRows(out + <usize>(b * len) * outStride + (<usize>(h * dh) << 2), outStride, os, dBytes, len, dh);
    }
  }
}

/**
 * Gradient of `attentionForward` with respect to qkv, written to dqkv [batch·len × 3·dim], given the
 * output gradient dout [batch·len × dim] and the same arguments (so the same dropout masks).
 * Per query row i, with P its probabilities, M its dropout factors:
 *   dP_j = (dO_i·v_j)·M_j,  dS_j = scale·P_j·(dP_j − Σ_l P_l·dP_l),
 *   dQ = dS·K,  dK = dSᵀ·Q,  dV = (P∘M)ᵀ·dO.
 */
export function attentionBackward(
  qkv: usize, pad: usize, dout: usize, dqkv: usize, work: usize,
  batch: i32, len: i32, dim: i32, heads: i32, causal: bool,
  dropThreshold: u32, keepScale: f32, seed: u32,
): void {
  seedDraws(seed);
  const dh = dim / heads;
  const l = ceil8(len);
  const d = ceil8(dh);
  const rows4 = (len + 3) & ~3;
  const lBytes = <usize>l << 2;
  const dBytes = <usize>d << 2;
  const tile = <usize>l * dBytes;
  const qs = work;
  const ks = qs + tile;
  const dos = ks + tile;
  const kt = dos + tile;
  const vt = kt + <usize>d * lBytes;
  const s = vt + <usize>d * lBytes;
  const ds = s + <usize>l * lBytes;
  const dqs = ds + <usize>l * lBytes;
  const dks = dqs + tile;
  const dvs = dks + tile;
  const keep = dvs + tile;
  memory.fill(work, 0, keep + lBytes - work);
  const scale: f32 = 1 / Mathf.sqrt(<f32>dh);
  const stride = <usize>(3 * dim) << 2;
  const outStride = <usize>dim << 2;
  for (let b = 0; b < batch; b++) {
    const padRow = pad + <usize>(b * len);
    for (let h = 0; h < heads; h++) {
      const headColumn = <usize>(h * dh) << 2;
      const qFirst = qkv + <usize>(b * len) * stride + headColumn;
      const kFirst = qFirst + outStride;
      const vFirst = kFirst + outStride;
      const dOFirst = dout + <usize>(b * len) * outStride + headColumn;
      copyRows(qs, dBytes, qFirst, stride, len, dh);
      copyRows(ks, dBytes, kFirst, stride, len, dh);
      copyRows(dos, dBytes, dOFirst, outStride, len, dh);
      transposeRows(kt, lBytes, kFirst, stride, len, dh);
      transposeRows(vt, lBytes, vFirst, stride, len, dh);
      product(s, lBytes, qs, dBytes, kt, lBytes, rows4, l, dh, causal);
      product(ds, lBytes, dos, dBytes, vt, lBytes, rows4, l, dh, causal);
      for (let i = 0; i < rows4; i++) {
        const row = s + <usize>i * lBytes;
        const dsRow = ds + <usize>i * lBytes;
        const end = causal ? i + 1 : len;
        if (i >= len || !rowProbabilities(row, padRow, end, l, scale, dropThreshold, keepScale, keep)) {
          memory.fill(row, 0, lBytes);
          memory.fill(dsRow, 0, lBytes);
          continue;
        }
        // keys past `end` have P = 0 (and finite factors and dO·v products), so they come out 0
        let weightedv = f32x4.splat(0);
        for (let j = 0; j < l; j += 4) {
          const o = <usize>j << 2;
          const dp = f32x4.mul(v128.load(dsRow + o), v128.load(keep + o));
          v128.store(dsRow + o, dp);
          weightedv = f32x4.add(weightedv, f32x4.mul(v128.load(row + o), dp));
        }
        const weighted = f32x4.splat(horizontal(weightedv));
        const scalev = f32x4.splat(scale);
        for (let j = 0; j < l; j += 4) {
          const o = <usize>j << 2;
          const p = v128.load(row + o);
          v128.store(dsRow + o, f32x4.mul(f32x4.mul(p, f32x4.sub(v128.load(dsRow + o), weighted)), scalev));
        }
        multiplyInto(row, keep, l);
      }
      product(dqs, dBytes, ds, lBytes, ks, dBytes, rows4, d, len, false);
      transposedProduct(dks, dBytes, ds, lBytes, qs, dBytes, rows4, d, len);
      transposedProduct(dvs, dBytes, s, lBytes, dos, dBytes, rows4, d, len);
      const dqFirst = dqkv + <usize>(b * len) * stride + headColumn;
      copyRows(dqFirst, stride, dqs, dBytes, len, dh);
      copyRows(dqFirst + outStride, stride, dks, dBytes, len, dh);
      copyRows(dqFirst + 2 * outStride, stride, dvs, dBytes, len, dh);
    }
  }
}
