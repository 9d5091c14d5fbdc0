// AssemblyScript (see attention.as.ts): the two matrix products of a backward pass whose
// shapes XNNPACK (tfjs's WASM matMul) handles poorly here, each summing over the shared index
// in order, one f32 multiply and one f32 add per term from 0, exactly as XNNPACK's GEMM does,
// so a product here equals the tfjs one bit for bit (test/shared/ml/kernels.test.ts).
//   matMulTN  out[m × n] = aᵀ·b for a [rows × m], b [rows × n]: a weight's gradient Xᵀ·dY, and
//             the class table's gradient Gᵀ·H. Through tfjs it needs a transposed copy of a and
//             a product whose right operand, [rows × n] with rows in the thousands, XNNPACK
//             packs on every call and then streams from memory once per four output rows.
//   matMulNN  out[m × n] = a·b for a [m × k], b [k × n]: the hidden states' gradient G·E of the
//             full softmax, computed where G already lies (softmax.as.ts) instead of copying it
//             into a tfjs tensor first.
// Both work on 4 × 8 blocks of the output in eight four-lane registers (lib/block.as.ts; the
// rows and columns those leave in 1 × 8 and 4 × 4 blocks, the last few columns one at a time),
// over slabs of the summed index; a block is stored after each slab and loaded back for the
// next, which keeps the order of the additions. Slab sizes measured on ml-100k's shapes (the
// best of 24 KB to 512 KB): matMulTN keeps both operands' slabs near L1 (64 KB), matMulNN
// keeps b's slab in L2 (512 KB), a's four rows being short.

import { block1x8, block4x4, block4x8 } from './lib/block.as';
import { storeTransposed4x4 } from './lib/transpose.as';
import { apart, bytes4, inMemory } from './lib/check.as';

/** Bytes of the operands that every output block re-reads per slab. */
const TN_SLAB_BYTES: i32 = 64 * 1024;
const NN_SLAB_BYTES: i32 = 512 * 1024;
const MIN_SLAB: i32 = 16;

@inline function slabOf(rowBytes: i32, total: i32, budget: i32): i32 {
  return min(total, max(MIN_SLAB, budget / max(rowBytes, 1)));
}

export function matMulTN(a: usize, b: usize, out: usize, rows: i32, m: i32, n: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && m >= 0 && n >= 0, 'matMulTN: rows, m and n ≥ 0');
    assert(inMemory(a, bytes4(rows, m)) && inMemory(b, bytes4(rows, n)) && inMemory(out, bytes4(m, n)), 'matMulTN: an operand lies outside memory');
    assert(apart(out, bytes4(m, n), a, bytes4(rows, m)) && apart(out, bytes4(m, n), b, bytes4(rows, n)), 'matMulTN: out overlaps a or b');
  }
  const aRow = <usize>m << 2;
  const bRow = <usize>n << 2;
  const outRow = <usize>n << 2;
  const slab = slabOf((n << 2) + 64, rows, TN_SLAB_BYTES);
  for (let r0 = 0; r0 < rows; r0 += slab) {
    const r1 = min(rows, r0 + slab);
    const first = r0 == 0;
    const pa = a + <usize>r0 * aRow;
    const pb = b + <usize>r0 * bRow;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      let j = 0;
      // a's four values of a step are neighbours in one row; a step moves down a row of both
      for (; j + 8 <= n; j += 8) block4x8(out + <usize>i * outRow + (<usize>j << 2), outRow, first, pa + (<usize>i << 2), 4, aRow, pb + (<usize>j << 2), bRow, r1 - r0);
      if (j + 4 <= n) {
        block4x4(out + <usize>i * outRow + (<usize>j << 2), outRow, first, pa + (<usize>i << 2), 4, aRow, pb + (<usize>j << 2), bRow, r1 - r0);
        j += 4;
      }
      for (let ii = i; ii < i + 4; ii++) for (let jj = j; jj < n; jj++) tnOne(a, b, out, r0, r1, first, ii, jj, aRow, bRow, outRow);
    }
    for (; i < m; i++) {
      let j = 0;
      for (; j + 8 <= n; j += 8) block1x8(out + <usize>i * outRow + (<usize>j << 2), first, pa + (<usize>i << 2), aRow, pb + (<usize>j << 2), bRow, r1 - r0);
      for (let jj = j; jj < n; jj++) tnOne(a, b, out, r0, r1, first, i, jj, aRow, bRow, outRow);
    }
  }
}

/** One element of matMulTN over rows [r0, r1): the edges the 4 × 8 blocks leave. */
function tnOne(a: usize, b: usize, out: usize, r0: i32, r1: i32, first: bool, i: i32, j: i32, aRow: usize, bRow: usize, outRow: usize): void {
  const at = out + <usize>i * outRow + (<usize>j << 2);
  let acc: f32 = first ? 0 : load<f32>(at);
  for (let r = r0; r < r1; r++) acc += load<f32>(a + <usize>r * aRow + (<usize>i << 2)) * load<f32>(b + <usize>r * bRow + (<usize>j << 2));
  store<f32>(at, acc);
}

export function matMulNN(a: usize, b: usize, out: usize, m: i32, k: i32, n: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(m >= 0 && k >= 0 && n >= 0, 'matMulNN: m, k and n ≥ 0');
    assert(inMemory(a, bytes4(m, k)) && inMemory(b, bytes4(k, n)) && inMemory(out, bytes4(m, n)), 'matMulNN: an operand lies outside memory');
    assert(apart(out, bytes4(m, n), a, bytes4(m, k)) && apart(out, bytes4(m, n), b, bytes4(k, n)), 'matMulNN: out overlaps a or b');
  }
  const aRow = <usize>k << 2;
  const bRow = <usize>n << 2;
  const outRow = <usize>n << 2;
  const slab = slabOf(n << 2, k, NN_SLAB_BYTES);
  for (let k0 = 0; k0 < k; k0 += slab) {
    const k1 = min(k, k0 + slab);
    const first = k0 == 0;
    const pa = a + (<usize>k0 << 2);
    const pb = b + <usize>k0 * bRow;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      let j = 0;
      // a's four values of a step lie in four rows; a step moves along them, and down a row of b
      for (; j + 8 <= n; j += 8) block4x8(out + <usize>i * outRow + (<usize>j << 2), outRow, first, pa + <usize>i * aRow, aRow, 4, pb + (<usize>j << 2), bRow, k1 - k0);
      if (j + 4 <= n) {
        block4x4(out + <usize>i * outRow + (<usize>j << 2), outRow, first, pa + <usize>i * aRow, aRow, 4, pb + (<usize>j << 2), bRow, k1 - k0);
        j += 4;
      }
      for (let ii = i; ii < i + 4; ii++) for (let jj = j; jj < n; jj++) nnOne(a, b, out, k0, k1, first, ii, jj, aRow, bRow, outRow);
    }
    for (; i < m; i++) {
      let j = 0;
      for (; j + 8 <= n; j += 8) block1x8(out + <usize>i * outRow + (<usize>j << 2), first, pa + <usize>i * aRow, 4, pb + (<usize>j << 2), bRow, k1 - k0);
      for (let jj = j; jj < n; jj++) nnOne(a, b, out, k0, k1, first, i, jj, aRow, bRow, outRow);
    }
  }
}

/** One element of matMulNN over the summed indices [k0, k1). */
function nnOne(a: usize, b: usize, out: usize, k0: i32, k1: i32, first: bool, i: i32, j: i32, aRow: usize, bRow: usize, outRow: usize): void {
  const at = out + <usize>i * outRow + (<usize>j << 2);
  let acc: f32 = first ? 0 : load<f32>(at);
  for (let c = k0; c < k1; c++) acc += load<f32>(a + <usize>i * aRow + (<usize>c << 2)) * load<f32>(b + <usize>c * bRow + (<usize>j << 2));
  store<f32>(at, acc);
}

/**
 * out[cols × rows] = xᵀ for x [rows × cols], in 4 × 4 blocks transposed in registers (the
 * edges one element at a time): the operands the products above take transposed (a weight for
 * the input gradient, the class block for the logits). A tfjs Transpose of a small weight is
 * nearly all per-kernel overhead.
 */
export function transpose(x: usize, out: usize, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && inMemory(x, bytes4(rows, cols)) && inMemory(out, bytes4(rows, cols)) && apart(out, bytes4(rows, cols), x, bytes4(rows, cols)), 'transpose: x or out lies outside memory, or out over x');
  }
  const inRow = <usize>cols << 2;
  const outRow = <usize>rows << 2;
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  for (let r = 0; r < rows4; r += 4) {
    const s0 = x + <usize>r * inRow;
    for (let c = 0; c < cols4; c += 4) {
      const o = <usize>c << 2;
      storeTransposed4x4(v128.load(s0 + o), v128.load(s0 + inRow + o), v128.load(s0 + 2 * inRow + o), v128.load(s0 + 3 * inRow + o), out + <usize>c * outRow + (<usize>r << 2), outRow);
    }
    for (let rr = r; rr < r + 4; rr++) for (let c = cols4; c < cols; c++) transposeOne(x, out, rr, c, inRow, outRow);
  }
  for (let r = rows4; r < rows; r++) for (let c = 0; c < cols; c++) transposeOne(x, out, r, c, inRow, outRow);
}

// @ts-ignore: decorator
@inline function transposeOne(x: usize, out: usize, r: i32, c: i32, inRow: usize, outRow: usize): void {
  store<f32>(out + <usize>c * outRow + (<usize>r << 2), load<f32>(x + <usize>r * inRow + (<usize>c << 2)));
}

/** out [rows × 3·cols] = [a | b | c] for a, b, c [rows × cols]: three projections' weights (or biases, one row) as the fused Q|K|V projection's. */
export function concatColumns3(a: usize, b: usize, c: usize, out: usize, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && inMemory(a, bytes4(rows, cols)) && inMemory(b, bytes4(rows, cols)) && inMemory(c, bytes4(rows, cols)) && inMemory(out, bytes4(rows, 3 * cols)), 'concatColumns3: an operand lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * 3 * rowBytes;
    const i = <usize>r * rowBytes;
    memory.copy(o, a + i, rowBytes);
    memory.copy(o + rowBytes, b + i, rowBytes);
    memory.copy(o + 2 * rowBytes, c + i, rowBytes);
  }
}

/** a | b | c = the three column blocks of x [rows × 3·cols]: the fused projection's gradient handed back to its three weights (or biases). */
export function splitColumns3(x: usize, a: usize, b: usize, c: usize, rows: i32, cols: i32): void {
  if (!ASC_NO_ASSERT) {
    assert(rows >= 0 && cols >= 0 && inMemory(x, bytes4(rows, 3 * cols)) && inMemory(a, bytes4(rows, cols)) && inMemory(b, bytes4(rows, cols)) && inMemory(c, bytes4(rows, cols)), 'splitColumns3: an operand lies outside memory');
  }
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const s = x + <usize>r * 3 * rowBytes;
    const i = <usize>r * rowBytes;
    memory.copy(a + i, s, rowBytes);
    memory.copy(b + i, s + rowBytes, rowBytes);
    memory.copy(c + i, s + 2 * rowBytes, rowBytes);
  }
}
