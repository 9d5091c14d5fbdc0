// AssemblyScript (see attention.as.ts): the mulberry32 generator of shared/data/random.ts,
// shared by the kernels that draw dropout masks (attention.as.ts, dropout.as.ts). One stream
// at a time: a kernel seeds it on entry and draws in a fixed order, so a backward pass replays
// its forward pass's masks.

let state: u32 = 0;

// @ts-ignore: decorator
@inline export function seedDraws(seed: u32): void {
  state = seed;
}

// @ts-ignore: decorator
@inline export function nextUint32(): u32 {
  state += 0x6d2b79f5;
  let t = state;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return t ^ (t >>> 14);
}
