// AssemblyScript (see attention.as.ts): the mulberry32 generator of shared/random/mulberry32.ts,
// shared by the kernels that draw dropout masks (attention.as.ts, dropout.as.ts). One stream
// at a time: a kernel seeds it on entry and draws in a fixed order, so a backward pass replays
// its forward pass's masks.

let state: u32 = 0;
/** The state step, and its first four multiples (mod 2³²): draw k of a stream mixes state + (k + 1)·step alone. */
const STEP: u32 = 0x6d2b79f5;
const STEPS_1_TO_4: v128 = i32x4(0x6d2b79f5, 0xda56f3ea, 0x47826ddf, 0xb4ade7d4);

// @ts-ignore: decorator
@inline export function seedDraws(seed: u32): void {
  state = seed;
}

// @ts-ignore: decorator
@inline export function nextUint32(): u32 {
  state += STEP;
  let t = state;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return t ^ (t >>> 14);
}

/** The next four draws as lanes, in stream order: each draw depends on its index alone. */
// @ts-ignore: decorator
@inline export function nextUint32x4(): v128 {
  let t = i32x4.add(i32x4.splat(state), STEPS_1_TO_4);
  state += 4 * STEP;
  t = i32x4.mul(v128.xor(t, i32x4.shr_u(t, 15)), v128.or(t, i32x4.splat(1)));
  t = v128.xor(t, i32x4.add(t, i32x4.mul(v128.xor(t, i32x4.shr_u(t, 7)), v128.or(t, i32x4.splat(61)))));
  return v128.xor(t, i32x4.shr_u(t, 14));
}

/**
 * The smallest draw that keeps a value, for a drop threshold rate·2³² (a draw ≥ the threshold
 * keeps): draws are integers, so ⌈threshold⌉; dropout rates stop at 0.9 (config), below 2³².
 */
// @ts-ignore: decorator
@inline export function keepFrom(threshold: f64): u32 {
  return <u32>Math.min(Math.ceil(threshold), 4294967295);
}

/** The next four dropout factors: kept (lanes of the kept factor) where the draw is ≥ limit, else 0. */
// @ts-ignore: decorator
@inline export function nextFactors4(limit: v128, kept: v128): v128 {
  return v128.and(kept, i32x4.ge_u(nextUint32x4(), limit));
}

/** The next dropout factor: keep where the draw is ≥ limit, else 0. */
// @ts-ignore: decorator
@inline export function nextFactor(limit: u32, keep: f32): f32 {
  return nextUint32() >= limit ? keep : 0;
}

/** The next n dropout factors into out (f32 [n]): keep where the draw is ≥ limit, else 0. */
// @ts-ignore: decorator
@inline export function drawFactors(out: usize, n: i32, limit: u32, keep: f32): void {
  const limits = i32x4.splat(limit);
  const kept = f32x4.splat(keep);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(out + (<usize>j << 2), nextFactors4(limits, kept));
  for (; j < n; j++) store<f32>(out + (<usize>j << 2), nextFactor(limit, keep));
}
