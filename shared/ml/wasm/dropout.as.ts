// AssemblyScript (see attention.as.ts): inverted-dropout factors drawn in WASM, the stream of
// ../dropout.ts's dropoutFactors (mulberry32, from the state a Random starts in), so the
// factors are the same bit for bit; the JS loop cost ~4 % of a training step, and its fresh
// array another allocation per dropout site.
//   out f32 [size]: keep where the draw is ≥ threshold (= rate·2³²), else 0

export function dropoutFactors(out: usize, size: i32, state: u32, threshold: f64, keep: f32): void {
  let s = state;
  for (let i = 0; i < size; i++) {
    s += 0x6d2b79f5;
    let t = s;
    t = (t ^ (t >>> 15)) * (t | 1);
    t ^= t + (t ^ (t >>> 7)) * (t | 61);
    store<f32>(out + (<usize>i << 2), <f64>(t ^ (t >>> 14)) >= threshold ? keep : 0);
  }
}
