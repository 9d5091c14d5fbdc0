// AssemblyScript, compiled with the other kernels by infra/setup.sh into both modules
// (build/wasm/kernels.wasm, with a memory of its own; build/wasm/heap-kernels.wasm, on the
// tfjs WASM backend's heap): multi-head scaled dot-product attention, forward and backward,
// fused over the heads of one [rows × 3·dim] Q|K|V block. The tfjs WASM backend runs batched
// matMul an order of magnitude slower than 2-D products, and splitting heads costs transposes
// and mask/scale/softmax kernels on top. Here each (row, head) pair is gathered into
// contiguous, zero-padded tiles, and its products (scores, output; in the backward pass the
// probabilities' gradient and the three input gradients) run on the 4 × 8 register block of
// the matrix products (lib/block.as.ts), since a query–key dot product at a time is bound by
// its loads (docs/decisions/0006-simd-kernels.md). The forward pass keeps the probabilities for the backward one, which then
// needs neither the scores' product nor their exponentials again.
//
// Memory is the caller's: every pointer below is a byte offset into the module's memory.
//   qkv   f32 [batch·len × 3·dim]  Q in columns [0, dim), K in [dim, 2·dim), V in [2·dim, 3·dim);
//                                  head h owns columns [h·dh, (h+1)·dh) of each (read only)
//   bias  f32 [3·dim]              added to every row of qkv where the tiles are gathered
//   pad   i32 [batch × ceil4(len)] 1 where the position is [PAD] (never attended to)
//   out   f32 [batch·len × dim]    the attention output, heads side by side
//   probs f32 [attentionProbsFloats] the softmax probabilities, before dropout, per (row, head)
//   work  attentionWorkBytes(len, dim, heads) bytes of scratch
// A query row with no key to attend to ([PAD] queries left of a causal row's first item)
// outputs zeros. Dropout on the attention probabilities draws from a mulberry32 stream seeded
// per call, one draw per (row, head, query, key) in that order over the keys a query may see,
// so the backward pass replays the masks instead of storing them.

import { block4x8 } from './lib/block.as';
import { expv, horizontal } from './lib/simd-math.as';
import { drawFactors, seedDraws } from './lib/mulberry32.as';
import { storeTransposed4x4 } from './lib/transpose.as';
import { apart, bytes4, inMemory } from './lib/check.as';

const LANES: v128 = i32x4(0, 1, 2, 3);

// @ts-ignore: decorator
@inline function ceil4(n: i32): i32 {
  return (n + 3) & ~3;
}

// @ts-ignore: decorator
@inline function ceil8(n: i32): i32 {
  return (n + 7) & ~7;
}

/**
 * Tiles of one (row, head) pair, L = len rounded up to 8, D = dh rounded up to 8 (floats):
 *   forward   qs, vs, os [L × D] (Q, V, the output), kt [D × L] (K transposed),
 *             s [L × L] (scores → probabilities × dropout factors), keep [L]
 *   backward  qs, ks, dos, dqs, dks, dvs [L × D] (Q, K, the output's gradient and the three
 *             input gradients), vt [D × L] (V transposed), s and ds [L × L] (probabilities ×
 *             dropout factors, the scores' gradient), keep
 * keep holds one query row's dropout factors.
 */
export function attentionWorkBytes(len: i32, dim: i32, heads: i32): i32 {
  const l = ceil8(len);
  const d = ceil8(dim / heads);
  return (6 * l * d + d * l + 2 * l * l + l) << 2;
}

/** The probabilities the forward pass keeps: ceil4(len) query rows × ceil8(len) keys per (row, head). */
export function attentionProbsFloats(batch: i32, len: i32, heads: i32): i32 {
  return batch * heads * ceil4(len) * ceil8(len);
}

/** rows × cols floats (cols a multiple of 4), plus bias per column, from `src` (rows srcStride bytes apart) to `dst` (dstStride apart). */
function copyRows(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32, cols: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + <usize>r * dstStride;
    const s = src + <usize>r * srcStride;
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(d + o, f32x4.add(v128.load(s + o), v128.load(bias + o)));
    }
  }
}

/** rows × cols floats (cols a multiple of 4) from `src` to `dst`, as they are. */
function copyRowsOut(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + <usize>r * dstStride;
    const s = src + <usize>r * srcStride;
    for (let c = 0; c < cols; c += 4) v128.store(d + (<usize>c << 2), v128.load(s + (<usize>c << 2)));
  }
}

/**
 * dst[c][r] = src[r][c] + bias[c] for r < rows, c < cols (a multiple of 4): src rows srcStride
 * bytes apart, dst rows dstStride apart; 4 × 4 blocks transposed in registers, the last rows
 * one at a time (no read past row `rows`).
 */
function transposeRows(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32, cols: i32, bias: usize): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const s0 = src + <usize>r * srcStride;
    const s1 = s0 + srcStride;
    const s2 = s1 + srcStride;
    const s3 = s2 + srcStride;
    for (let c = 0; c < cols; c += 4) {
      const o = <usize>c << 2;
      const b = v128.load(bias + o);
      const a0 = f32x4.add(v128.load(s0 + o), b);
      const a1 = f32x4.add(v128.load(s1 + o), b);
      const a2 = f32x4.add(v128.load(s2 + o), b);
      const a3 = f32x4.add(v128.load(s3 + o), b);
      storeTransposed4x4(a0, a1, a2, a3, dst + <usize>c * dstStride + (<usize>r << 2), dstStride);
    }
  }
  for (; r < rows; r++) {
    const s = src + <usize>r * srcStride;
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>c * dstStride + (<usize>r << 2), load<f32>(s + (<usize>c << 2)) + load<f32>(bias + (<usize>c << 2)));
  }
}

/** The first position of a row of `len` flags that is not [PAD] (len when all are). */
function firstKey(padRow: usize, len: i32): i32 {
  for (let j = 0; j < len; j++) if (load<i32>(padRow + (<usize>j << 2)) == 0) return j;
  return len;
}

/**
 * out[rows4 × cols] = a·b, a [· × count] (rows aStride bytes apart), b [count × cols] (bStride
 * apart), out rows outStride apart; rows4 a multiple of 4, cols of 8. Causal products skip
 * what the mask zeroes: `causalColumns`, row block i needs only columns below i + 4 (scores);
 * `causalTerms`, only the first i + 4 terms (a is a probability row, zero past its query, and
 * not written past i + 4).
 */
function product(out: usize, outStride: usize, a: usize, aStride: usize, b: usize, bStride: usize, rows4: i32, cols: i32, count: i32, causalColumns: bool, causalTerms: bool): void {
  for (let i = 0; i < rows4; i += 4) {
    const end = causalColumns ? min(cols, ceil8(i + 4)) : cols;
    const terms = causalTerms ? min(count, i + 4) : count;
    for (let j = 0; j < end; j += 8) block4x8(out + <usize>i * outStride + (<usize>j << 2), outStride, true, a + <usize>i * aStride, aStride, 4, b + (<usize>j << 2), bStride, terms);
  }
}

/**
 * out[rows4 × cols] = aᵀ·b over `count` rows: a [count × ·] (rows aStride apart), b [count × cols]
 * (bStride apart). `causal`: output row block i sums rows from i on (a's row r is zero, and not
 * written, from column r + 1 on): the same sums, since the skipped terms are zeros.
 */
function transposedProduct(out: usize, outStride: usize, a: usize, aStride: usize, b: usize, bStride: usize, rows4: i32, cols: i32, count: i32, causal: bool): void {
  for (let i = 0; i < rows4; i += 4) {
    const from = causal ? i : 0;
    for (let j = 0; j < cols; j += 8) {
      block4x8(out + <usize>i * outStride + (<usize>j << 2), outStride, true, a + <usize>from * aStride + (<usize>i << 2), 4, aStride, b + <usize>from * bStride + (<usize>j << 2), bStride, count - from);
    }
  }
}

/**
 * Row i of the score tile s (raw dot products) → softmax probabilities over keys [0, end) that
 * are not [PAD], exact zeros from there to `l` = ceil4(end) (the rest of the row is left as it
 * is: no product reads it). The row must have a key to attend to. Four keys at a time.
 */
// @ts-ignore: decorator
@inline function rowProbabilities(row: usize, padRow: usize, end: i32, l: i32, scale: f32): void {
  const scalev = f32x4.splat(scale);
  const masked = f32x4.splat(-Infinity);
  const ends = i32x4.splat(end);
  let maxv = masked;
  for (let j = 0; j < l; j += 4) {
    const at = row + (<usize>j << 2);
    // a key counts when it lies before `end` and is not [PAD]
    const open = v128.and(i32x4.eq(v128.load(padRow + (<usize>j << 2)), i32x4.splat(0)), i32x4.lt_s(i32x4.add(i32x4.splat(j), LANES), ends));
    const sv = v128.bitselect(f32x4.mul(v128.load(at), scalev), masked, open);
    v128.store(at, sv);
    maxv = f32x4.pmax(maxv, sv);
  }
  const max = Mathf.max(Mathf.max(f32x4.extract_lane(maxv, 0), f32x4.extract_lane(maxv, 1)), Mathf.max(f32x4.extract_lane(maxv, 2), f32x4.extract_lane(maxv, 3)));
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
}

/** The keys' dropout factors for one query row into keep (0, or 1/(1−rate)): `end` draws; 1 for ceil4(end) keys without dropout. */
// @ts-ignore: decorator
@inline function rowFactors(keep: usize, end: i32, dropThreshold: u32, keepScale: f32): void {
  if (dropThreshold == 0) for (let j = 0; j < end; j += 4) v128.store(keep + (<usize>j << 2), f32x4.splat(1));
  else drawFactors(keep, end, dropThreshold, keepScale);
}

/** The entry checks both passes make (their own outputs aside); see lib/check.as.ts. */
// @ts-ignore: decorator
@inline function checkAttentionOperands(qkv: usize, bias: usize, pad: usize, probs: usize, work: usize, batch: i32, len: i32, dim: i32, heads: i32): void {
  assert(batch >= 0 && len > 0 && heads > 0 && dim % heads == 0 && (dim / heads) % 4 == 0, 'attention: batch ≥ 0, len > 0, dim a multiple of heads, head width a multiple of 4');
  assert(inMemory(qkv, bytes4(batch * len, 3 * dim)) && inMemory(bias, bytes4(3 * dim)) && inMemory(pad, bytes4(batch, ceil4(len))), 'attention: qkv, bias or pad lies outside memory');
  assert(inMemory(probs, bytes4(attentionProbsFloats(batch, len, heads))) && inMemory(work, <u64>attentionWorkBytes(len, dim, heads)), 'attention: probs or work lies outside memory');
}

export function attentionForward(
  qkv: usize, bias: usize, pad: usize, out: usize, probs: usize, work: usize,
  batch: i32, len: i32, dim: i32, heads: i32, causal: bool,
  dropThreshold: u32, keepScale: f32, seed: u32,
): void {
  if (!ASC_NO_ASSERT) {
    checkAttentionOperands(qkv, bias, pad, probs, work, batch, len, dim, heads);
    assert(inMemory(out, bytes4(batch * len, dim)) && apart(out, bytes4(batch * len, dim), qkv, bytes4(batch * len, 3 * dim)), 'attentionForward: out lies outside memory or over qkv');
  }
  seedDraws(seed);
  const dh = dim / heads;
  const l = ceil8(len);
  const d = ceil8(dh);
  const rows4 = ceil4(len);
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
  const tileProbs = <usize>rows4 * lBytes;
  for (let b = 0; b < batch; b++) {
    const padRow = pad + (<usize>(b * rows4) << 2);
    const first = firstKey(padRow, len);
    for (let h = 0; h < heads; h++) {
      const headColumn = <usize>(h * dh) << 2;
      const qFirst = qkv + <usize>(b * len) * stride + headColumn;
      const kFirst = qFirst + outStride;
      const vFirst = kFirst + outStride;
      const p = probs + <usize>(b * heads + h) * tileProbs;
      copyRows(qs, dBytes, qFirst, stride, len, dh, bias + headColumn);
      copyRows(vs, dBytes, vFirst, stride, len, dh, bias + 2 * outStride + headColumn);
      transposeRows(kt, lBytes, kFirst, stride, len, dh, bias + outStride + headColumn);
      product(s, lBytes, qs, dBytes, kt, lBytes, rows4, l, dh, causal, false);
      for (let i = 0; i < rows4; i++) {
        const row = s + <usize>i * lBytes;
        const pRow = p + <usize>i * lBytes;
        const end = causal ? i + 1 : len;
        const keys = ceil4(end);
        // no key to attend to: a zero row, and no draws
        if (i >= len || first >= end) {
          memory.fill(row, 0, lBytes);
          memory.fill(pRow, 0, <usize>keys << 2);
          continue;
        }
        rowProbabilities(row, padRow, end, keys, scale);
        rowFactors(keep, end, dropThreshold, keepScale);
        for (let j = 0; j < keys; j += 4) {
          const o = <usize>j << 2;
          const pv = v128.load(row + o);
          v128.store(pRow + o, pv);
          v128.store(row + o, f32x4.mul(pv, v128.load(keep + o)));
        }
      }
      product(os, dBytes, s, lBytes, vs, dBytes, rows4, d, len, false, causal);
      copyRowsOut(out + <usize>(b * len) * outStride + headColumn, outStride, os, dBytes, len, dh);
    }
  }
}

/**
 * Gradient of `attentionForward` with respect to qkv, written to dqkv [batch·len × 3·dim], given
 * the output gradient dout [batch·len × dim], the probabilities it kept and the same arguments
 * (so the same dropout masks). Per query row i, with P its probabilities, M its dropout factors:
 *   dP_j = (dO_i·v_j)·M_j,  dS_j = scale·P_j·(dP_j − Σ_l P_l·dP_l),
 *   dQ = dS·K,  dK = dSᵀ·Q,  dV = (P∘M)ᵀ·dO.
 */
export function attentionBackward(
  qkv: usize, bias: usize, pad: usize, probs: usize, dout: usize, dqkv: usize, work: usize,
  batch: i32, len: i32, dim: i32, heads: i32, causal: bool,
  dropThreshold: u32, keepScale: f32, seed: u32,
): void {
  if (!ASC_NO_ASSERT) {
    checkAttentionOperands(qkv, bias, pad, probs, work, batch, len, dim, heads);
    assert(inMemory(dout, bytes4(batch * len, dim)) && inMemory(dqkv, bytes4(batch * len, 3 * dim)), 'attentionBackward: dout or dqkv lies outside memory');
    assert(apart(dqkv, bytes4(batch * len, 3 * dim), qkv, bytes4(batch * len, 3 * dim)) && apart(dqkv, bytes4(batch * len, 3 * dim), dout, bytes4(batch * len, dim)), 'attentionBackward: dqkv overlaps qkv or dout');
  }
  seedDraws(seed);
  const dh = dim / heads;
  const l = ceil8(len);
  const d = ceil8(dh);
  const rows4 = ceil4(len);
  const lBytes = <usize>l << 2;
  const dBytes = <usize>d << 2;
  const tile = <usize>l * dBytes;
  const qs = work;
  const ks = qs + tile;
  const dos = ks + tile;
  const vt = dos + tile;
  const s = vt + <usize>d * lBytes;
  const ds = s + <usize>l * lBytes;
  const dqs = ds + <usize>l * lBytes;
  const dks = dqs + tile;
  const dvs = dks + tile;
  const keep = dvs + tile;
  memory.fill(work, 0, keep + lBytes - work);
  const scale: f32 = 1 / Mathf.sqrt(<f32>dh);
  const scalev = f32x4.splat(scale);
  const stride = <usize>(3 * dim) << 2;
  const outStride = <usize>dim << 2;
  const tileProbs = <usize>rows4 * lBytes;
  for (let b = 0; b < batch; b++) {
    const padRow = pad + (<usize>(b * rows4) << 2);
    const first = firstKey(padRow, len);
    for (let h = 0; h < heads; h++) {
      const headColumn = <usize>(h * dh) << 2;
      const qFirst = qkv + <usize>(b * len) * stride + headColumn;
      const kFirst = qFirst + outStride;
      const vFirst = kFirst + outStride;
      const dOFirst = dout + <usize>(b * len) * outStride + headColumn;
      const p = probs + <usize>(b * heads + h) * tileProbs;
      copyRows(qs, dBytes, qFirst, stride, len, dh, bias + headColumn);
      copyRows(ks, dBytes, kFirst, stride, len, dh, bias + outStride + headColumn);
      copyRowsOut(dos, dBytes, dOFirst, outStride, len, dh);
      transposeRows(vt, lBytes, vFirst, stride, len, dh, bias + 2 * outStride + headColumn);
      product(ds, lBytes, dos, dBytes, vt, lBytes, rows4, l, dh, causal, false);
      for (let i = 0; i < rows4; i++) {
        const row = s + <usize>i * lBytes;
        const dsRow = ds + <usize>i * lBytes;
        const pRow = p + <usize>i * lBytes;
        const end = causal ? i + 1 : len;
        const keys = ceil4(end);
        if (i >= len || first >= end) {
          memory.fill(row, 0, lBytes);
          memory.fill(dsRow, 0, lBytes);
          continue;
        }
        rowFactors(keep, end, dropThreshold, keepScale);
        // keys past `end` have P = 0 (and finite factors and dO·v products), so they come out 0
        let weightedv = f32x4.splat(0);
        for (let j = 0; j < keys; j += 4) {
          const o = <usize>j << 2;
          const m = v128.load(keep + o);
          const pv = v128.load(pRow + o);
          const dp = f32x4.mul(v128.load(dsRow + o), m);
          v128.store(dsRow + o, dp);
          v128.store(row + o, f32x4.mul(pv, m));
          weightedv = f32x4.add(weightedv, f32x4.mul(pv, dp));
        }
        const weighted = f32x4.splat(horizontal(weightedv));
        for (let j = 0; j < keys; j += 4) {
          const o = <usize>j << 2;
          v128.store(dsRow + o, f32x4.mul(f32x4.mul(v128.load(pRow + o), f32x4.sub(v128.load(dsRow + o), weighted)), scalev));
        }
      }
      product(dqs, dBytes, ds, lBytes, ks, dBytes, rows4, d, len, false, causal);
      transposedProduct(dks, dBytes, ds, lBytes, qs, dBytes, rows4, d, len, causal);
      transposedProduct(dvs, dBytes, s, lBytes, dos, dBytes, rows4, d, len, causal);
      const dqFirst = dqkv + <usize>(b * len) * stride + headColumn;
      copyRowsOut(dqFirst, stride, dqs, dBytes, len, dh);
      copyRowsOut(dqFirst + outStride, stride, dks, dBytes, len, dh);
      copyRowsOut(dqFirst + 2 * outStride, stride, dvs, dBytes, len, dh);
    }
  }
}
