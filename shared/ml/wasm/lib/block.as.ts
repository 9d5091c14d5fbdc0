// AssemblyScript (see attention.as.ts): the register block of every product in the kernels
// (matmul.as.ts, attention.as.ts): 4 output rows × 8 output columns in eight four-lane
// registers, each summing its terms in order, one f32 multiply and one f32 add per term; and
// its 1 × 8 and 4 × 4 shapes for the rows and columns a product's 4 × 8 sweep leaves.

/**
 * One 4 × 8 block of out (rows at `out`, `out + outRow`, …) += Σ over `count` steps of
 * a-splat ⊗ b-row: at each step the four a values lie `aLane` bytes apart from `pa`, the eight
 * b values are contiguous at `pb`, and the pointers then move by `aStep` and `bStep`. `first`:
 * start from 0 instead of the stored block. The products differ only in these strides.
 */
// @ts-ignore: decorator
@inline export function block4x8(out: usize, outRow: usize, first: bool, pa: usize, aLane: usize, aStep: usize, pb: usize, bStep: usize, count: i32): void {
  const o0 = out;
  const o1 = o0 + outRow;
  const o2 = o1 + outRow;
  const o3 = o2 + outRow;
  let c00 = first ? f32x4.splat(0) : v128.load(o0);
  let c01 = first ? f32x4.splat(0) : v128.load(o0, 16);
  let c10 = first ? f32x4.splat(0) : v128.load(o1);
  let c11 = first ? f32x4.splat(0) : v128.load(o1, 16);
  let c20 = first ? f32x4.splat(0) : v128.load(o2);
  let c21 = first ? f32x4.splat(0) : v128.load(o2, 16);
  let c30 = first ? f32x4.splat(0) : v128.load(o3);
  let c31 = first ? f32x4.splat(0) : v128.load(o3, 16);
  for (let s = 0; s < count; s++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa + aLane);
    const a2 = v128.load32_splat(pa + 2 * aLane);
    const a3 = v128.load32_splat(pa + 3 * aLane);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += aStep;
    pb += bStep;
  }
  v128.store(o0, c00);
  v128.store(o0, c01, 16);
  v128.store(o1, c10);
  v128.store(o1, c11, 16);
  v128.store(o2, c20);
  v128.store(o2, c21, 16);
  v128.store(o3, c30);
  v128.store(o3, c31, 16);
}


/** One 1 × 8 block (a row of out from `out`) += Σ a-splat ⊗ b-row, as block4x8 for the rows a 4-row block leaves. */
// @ts-ignore: decorator
@inline export function block1x8(out: usize, first: bool, pa: usize, aStep: usize, pb: usize, bStep: usize, count: i32): void {
  let c0 = first ? f32x4.splat(0) : v128.load(out);
  let c1 = first ? f32x4.splat(0) : v128.load(out, 16);
  for (let s = 0; s < count; s++) {
    const a = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(a, v128.load(pb, 16)));
    pa += aStep;
    pb += bStep;
  }
  v128.store(out, c0);
  v128.store(out, c1, 16);
}

/** One 4 × 4 block, as block4x8 for four columns an 8-column sweep leaves. */
// @ts-ignore: decorator
@inline export function block4x4(out: usize, outRow: usize, first: bool, pa: usize, aLane: usize, aStep: usize, pb: usize, bStep: usize, count: i32): void {
  const o1 = out + outRow;
  const o2 = o1 + outRow;
  const o3 = o2 + outRow;
  let c0 = first ? f32x4.splat(0) : v128.load(out);
  let c1 = first ? f32x4.splat(0) : v128.load(o1);
  let c2 = first ? f32x4.splat(0) : v128.load(o2);
  let c3 = first ? f32x4.splat(0) : v128.load(o3);
  for (let s = 0; s < count; s++) {
    const b = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + aLane), b));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + 2 * aLane), b));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + 3 * aLane), b));
    pa += aStep;
    pb += bStep;
  }
  v128.store(out, c0);
  v128.store(o1, c1);
  v128.store(o2, c2);
  v128.store(o3, c3);
}
