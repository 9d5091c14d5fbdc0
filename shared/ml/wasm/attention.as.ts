// AssemblyScript, compiled with rows.as.ts and heap.as.ts into one WebAssembly (SIMD) module
// by infra/setup.sh (build/wasm/kernels.wasm): multi-head scaled
// dot-product attention, forward and backward, fused over the heads of one [rows × 3·dim]
// Q|K|V block. The tfjs WASM backend runs batched matMul at 1-2 GFLOP/s against 12-25 for
// 2-D products, and splitting heads costs transposes and mask/scale/softmax kernels on top;
// here each (row, head) is a few SIMD dot products and axpys on memory laid out by the caller.
//
// Memory is the caller's: every pointer below is a byte offset into this module's memory.
//   qkv   f32 [batch·len × 3·dim]  Q in columns [0, dim), K in [dim, 2·dim), V in [2·dim, 3·dim);
//                                  head h owns columns [h·dh, (h+1)·dh) of each
//   pad   u8  [batch·len]          1 where the position is [PAD] (never attended to)
//   out   f32 [batch·len × dim]    the attention output, heads side by side
//   probs, keep  f32 [len]          scratch for one query row
// A query row with no key to attend to ([PAD] queries left of a causal row's first item)
// outputs zeros. Dropout on the attention probabilities draws from a mulberry32 stream seeded
// per call, in a fixed (row, head, query, key) order, so the backward pass replays the masks
// instead of storing them.

import { expv, horizontal } from './lib/simd-math.as';
import { nextUint32, seedDraws } from './lib/mulberry32.as';

@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  for (let c = 0; c < n; c += 4) {
    const o = <usize>c << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  return horizontal(acc);
}

/** a·row_j for the four rows j..j+3 of a strided matrix, as one vector: four independent accumulators, one reduction. */
@inline function dots4(a: usize, first: usize, strideBytes: usize, n: i32): v128 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  for (let c = 0; c < n; c += 4) {
    const o = <usize>c << 2;
    const x = v128.load(a + o);
    s0 = f32x4.add(s0, f32x4.mul(x, v128.load(first + o)));
    s1 = f32x4.add(s1, f32x4.mul(x, v128.load(first + strideBytes + o)));
    s2 = f32x4.add(s2, f32x4.mul(x, v128.load(first + 2 * strideBytes + o)));
    s3 = f32x4.add(s3, f32x4.mul(x, v128.load(first + 3 * strideBytes + o)));
  }
  const s01 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

/** out[j] = scale·(a·row_j) for rows j in [from, to) of a strided matrix. */
@inline function dotsInto(out: usize, a: usize, first: usize, strideBytes: usize, from: i32, to: i32, n: i32, scale: f32): void {
  let j = from;
  const sv = f32x4.splat(scale);
  for (; j + 4 <= to; j += 4) v128.store(out + (<usize>j << 2), f32x4.mul(sv, dots4(a, first + <usize>j * strideBytes, strideBytes, n)));
  for (; j < to; j++) store<f32>(out + (<usize>j << 2), scale * dot(a, first + <usize>j * strideBytes, n));
}

/**
 * dst[c] = Σ_{j∈[from,to)} w_j·row_j[c] over n columns (n a multiple of 4), the weights read
 * every `weightStride` bytes from `weights` (j-indexed): sixteen columns at a time in four
 * register accumulators, so dst is written once instead of read and written per row.
 */
function weightedRows(dst: usize, weights: usize, weightStride: usize, first: usize, strideBytes: usize, from: i32, to: i32, n: i32): void {
  let c = 0;
  for (; c + 16 <= n; c += 16) {
    const o = <usize>c << 2;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let j = from; j < to; j++) {
      const w = f32x4.splat(load<f32>(weights + <usize>j * weightStride));
      const row = first + <usize>j * strideBytes + o;
      a0 = f32x4.add(a0, f32x4.mul(w, v128.load(row)));
      a1 = f32x4.add(a1, f32x4.mul(w, v128.load(row, 16)));
      a2 = f32x4.add(a2, f32x4.mul(w, v128.load(row, 32)));
      a3 = f32x4.add(a3, f32x4.mul(w, v128.load(row, 48)));
    }
    v128.store(dst + o, a0);
    v128.store(dst + o, a1, 16);
    v128.store(dst + o, a2, 32);
    v128.store(dst + o, a3, 48);
  }
  for (; c < n; c += 4) {
    const o = <usize>c << 2;
    let a = f32x4.splat(0);
    for (let j = from; j < to; j++) a = f32x4.add(a, f32x4.mul(f32x4.splat(load<f32>(weights + <usize>j * weightStride)), v128.load(first + <usize>j * strideBytes + o)));
    v128.store(dst + o, a);
  }
}

/**
 * Softmax probabilities of one query row over keys [0, end) into probs (0 on [PAD] keys) and
 * each key's dropout factor into keep (0, or 1/(1−rate)); false when no key may be attended.
 */
@inline function rowProbabilities(
  q: usize, kFirst: usize, strideBytes: usize, padRow: usize, end: i32, dh: i32, scale: f32,
  dropThreshold: u32, keepScale: f32, probs: usize, keep: usize,
): bool {
  dotsInto(probs, q, kFirst, strideBytes, 0, end, dh, scale);
  let max = -Infinity as f32;
  for (let j = 0; j < end; j++) {
    if (load<u8>(padRow + <usize>j) != 0) store<f32>(probs + (<usize>j << 2), -Infinity);
    else max = Mathf.max(max, load<f32>(probs + (<usize>j << 2)));
  }
  if (max == -Infinity) return false;
  // e^(s − max), four keys at a time; [PAD] keys (−∞) get exact zeros
  const maxv = f32x4.splat(max);
  const masked = f32x4.splat(-Infinity);
  let sums = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= end; j += 4) {
    const at = probs + (<usize>j << 2);
    const s = v128.load(at);
    const e = v128.andnot(expv(f32x4.sub(s, maxv)), f32x4.eq(s, masked));
    v128.store(at, e);
    sums = f32x4.add(sums, e);
  }
  let sum = horizontal(sums);
  for (; j < end; j++) {
    const at = probs + (<usize>j << 2);
    const s = load<f32>(at);
    const e: f32 = s == -Infinity ? 0 : Mathf.exp(s - max);
    store<f32>(at, e);
    sum += e;
  }
  const inv: f32 = 1 / sum;
  for (let j = 0; j < end; j++) {
    const at = probs + (<usize>j << 2);
    store<f32>(at, load<f32>(at) * inv);
    // branch-free: a 20 % drop rate makes the branch unpredictable
    const factor: f32 = dropThreshold == 0 ? 1 : select<f32>(0, keepScale, nextUint32() < dropThreshold);
    store<f32>(keep + (<usize>j << 2), factor);
  }
  return true;
}

/**
 * Scratch (caller-provided): probs, keep [len] f32. Output rows are written whole, so out
 * needs no clearing except for query rows with nothing to attend to.
 */
export function attentionForward(
  qkv: usize, pad: usize, out: usize, probs: usize, keep: usize,
  batch: i32, len: i32, dim: i32, heads: i32, causal: bool,
  dropThreshold: u32, keepScale: f32, seed: u32,
): void {
  seedDraws(seed);
  const dh = dim / heads;
  const scale: f32 = 1 / Mathf.sqrt(<f32>dh);
  const stride = <usize>(3 * dim) << 2;
  for (let b = 0; b < batch; b++) {
    const padRow = pad + <usize>(b * len);
    for (let h = 0; h < heads; h++) {
      const qFirst = qkv + <usize>(b * len) * stride + (<usize>(h * dh) << 2);
      const kFirst = qFirst + (<usize>dim << 2);
      const vFirst = kFirst + (<usize>dim << 2);
      for (let i = 0; i < len; i++) {
        const end = causal ? i + 1 : len;
        const o = out + ((<usize>((b * len + i) * dim + h * dh)) << 2);
        if (!rowProbabilities(qFirst + <usize>i * stride, kFirst, stride, padRow, end, dh, scale, dropThreshold, keepScale, probs, keep)) {
          memory.fill(o, 0, <usize>dh << 2);
          continue;
        }
        for (let j = 0; j < end; j++) {
          const at = <usize>j << 2;
          store<f32>(probs + at, load<f32>(probs + at) * load<f32>(keep + at));
        }
        weightedRows(o, probs, 4, vFirst, stride, 0, end, dh);
      }
    }
  }
}

/**
 * Gradient of `attentionForward` with respect to qkv, written to dqkv [batch·len × 3·dim], given the
 * output gradient dout [batch·len × dim] and the same arguments (so the same dropout masks).
 * Per query row i, with P its probabilities, M its dropout factors and S its scaled scores:
 *   dP_j = (dO_i·v_j)·M_j,  dS_j = P_j·(dP_j − Σ_l P_l·dP_l),
 *   dq_i = scale·Σ_j dS_ij·k_j,  dk_j = scale·Σ_i dS_ij·q_i,  dv_j = Σ_i P_ij·M_ij·dO_i.
 * A first pass over query rows writes dq and keeps dS and P·M of the head in [len × len]
 * scratch (ds, kept); a second pass over key rows sums dk and dv from their columns.
 * Scratch (caller-provided): probs, keep, dprobs [len] f32; ds, kept [len × len] f32.
 */
export function attentionBackward(
  qkv: usize, pad: usize, dout: usize, dqkv: usize, probs: usize, keep: usize, dprobs: usize, ds: usize, kept: usize,
  batch: i32, len: i32, dim: i32, heads: i32, causal: bool,
  dropThreshold: u32, keepScale: f32, seed: u32,
): void {
  seedDraws(seed);
  const dh = dim / heads;
  const scale: f32 = 1 / Mathf.sqrt(<f32>dh);
  const stride = <usize>(3 * dim) << 2;
  const outStride = <usize>dim << 2;
  const kOffset = <usize>dim << 2;
  const square = <usize>(len * len) << 2;
  const rowBytes = <usize>len << 2;
  for (let b = 0; b < batch; b++) {
    const padRow = pad + <usize>(b * len);
    for (let h = 0; h < heads; h++) {
      const headColumn = <usize>(h * dh) << 2;
      const qFirst = qkv + <usize>(b * len) * stride + headColumn;
      const kFirst = qFirst + kOffset;
      const vFirst = kFirst + kOffset;
      const dqFirst = dqkv + <usize>(b * len) * stride + headColumn;
      const dkFirst = dqFirst + kOffset;
      const dvFirst = dkFirst + kOffset;
      const dOFirst = dout + <usize>(b * len) * outStride + headColumn;
      memory.fill(ds, 0, square);
      memory.fill(kept, 0, square);
      for (let i = 0; i < len; i++) {
        const end = causal ? i + 1 : len;
        const q = qFirst + <usize>i * stride;
        const dq = dqFirst + <usize>i * stride;
        if (!rowProbabilities(q, kFirst, stride, padRow, end, dh, scale, dropThreshold, keepScale, probs, keep)) {
          memory.fill(dq, 0, <usize>dh << 2);
          continue;
        }
        const dO = dOFirst + <usize>i * outStride;
        dotsInto(dprobs, dO, vFirst, stride, 0, end, dh, 1);
        let weighted: f32 = 0;
        for (let j = 0; j < end; j++) {
          const o = <usize>j << 2;
          const dp = load<f32>(dprobs + o) * load<f32>(keep + o);
          store<f32>(dprobs + o, dp);
          weighted += load<f32>(probs + o) * dp;
        }
        const dsRow = ds + <usize>i * rowBytes;
        const keptRow = kept + <usize>i * rowBytes;
        for (let j = 0; j < end; j++) {
          const o = <usize>j << 2;
          const p = load<f32>(probs + o);
          store<f32>(dsRow + o, p * (load<f32>(dprobs + o) - weighted) * scale);
          store<f32>(keptRow + o, p * load<f32>(keep + o));
        }
        weightedRows(dq, dsRow, 4, kFirst, stride, 0, end, dh);
      }
      for (let j = 0; j < len; j++) {
        const from = causal ? j : 0;
        const column = <usize>j << 2;
        weightedRows(dkFirst + <usize>j * stride, ds + column, rowBytes, qFirst, stride, from, len, dh);
        weightedRows(dvFirst + <usize>j * stride, kept + column, rowBytes, dOFirst, outStride, from, len, dh);
      }
    }
  }
}
