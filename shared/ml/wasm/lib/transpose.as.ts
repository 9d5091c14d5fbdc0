// AssemblyScript (see attention.as.ts): a 4 × 4 block of floats transposed in registers, for
// the kernels that lay out transposed copies (matmul.as.ts, attention.as.ts): eight lane
// shuffles instead of sixteen scalar loads and stores.

/** Stores the transpose of the rows a0..a3 (four lanes each) as four rows from `dst`, `dstStride` bytes apart. */
// @ts-ignore: decorator
@inline export function storeTransposed4x4(a0: v128, a1: v128, a2: v128, a3: v128, dst: usize, dstStride: usize): void {
  const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}
