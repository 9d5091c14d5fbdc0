// AssemblyScript (see attention.as.ts): lane helpers shared by the kernels. e^x on four
// lanes at once, Cephes' single-precision polynomial (range reduction by ln 2 in two parts,
// degree-6 polynomial, 2^n built in the exponent bits). Within 2 ulp on [−87.3, 88.3];
// inputs outside are clamped, so e^−∞ comes back as ~1e−38, not 0 — callers that need
// exact zeros mask them.

/** 1.5·2²³ and its bits. */
const ROUNDING: f32 = 12582912;
const ROUNDING_BITS: i32 = 0x4b400000;

// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  // pmin/pmax and the rounding constant, not min/max, nearest and trunc_sat: the same values
  // for every input but NaN, in one x64 instruction each instead of V8's NaN-safe sequences
  const v = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.3));
  // adding 1.5·2²³ rounds v·log2(e) (|·| < 128) to the nearest integer, ties to even, in the
  // low mantissa bits: t's bits minus those of 1.5·2²³ are n itself
  const t = f32x4.add(f32x4.mul(v, f32x4.splat(1.44269504088896341)), f32x4.splat(ROUNDING));
  const n = f32x4.sub(t, f32x4.splat(ROUNDING));
  let r = f32x4.sub(v, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), f32x4.splat(1));
  const pow2 = i32x4.shl(i32x4.add(t, i32x4.splat(127 - ROUNDING_BITS)), 23);
  return f32x4.mul(y, pow2);
}

/** The sum of the four lanes. */
// @ts-ignore: decorator
@inline export function horizontal(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
