// AssemblyScript (see attention.as.ts): the gradient of a softmax cross-entropy block, written
// row-major in place of the probabilities and, optionally, transposed in the same pass: the
// full-softmax loss multiplies the transposed copy by the hidden states (softmax-loss.ts), and
// a tiled transpose on four-lane shuffles costs a fraction of the same copy in JS.
//   probs  f32 [m × c] softmax probabilities, overwritten by G = (P − onehot(t))·coef_row
//   targets i32 [m], coefs f32 [m]
//   gT     f32 [c × m] Gᵀ, or 0 to skip it

export function softmaxGradient(probs: usize, targets: usize, coefs: usize, gT: usize, m: i32, c: i32): void {
  const rowBytes = <usize>c << 2;
  const colBytes = <usize>m << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const p0 = probs + <usize>i * rowBytes;
    const p1 = p0 + rowBytes;
    const p2 = p1 + rowBytes;
    const p3 = p2 + rowBytes;
    const k0 = f32x4.splat(load<f32>(coefs + (<usize>i << 2)));
    const k1 = f32x4.splat(load<f32>(coefs + (<usize>i << 2), 4));
    const k2 = f32x4.splat(load<f32>(coefs + (<usize>i << 2), 8));
    const k3 = f32x4.splat(load<f32>(coefs + (<usize>i << 2), 12));
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const o = <usize>j << 2;
      const r0 = f32x4.mul(v128.load(p0 + o), k0);
      const r1 = f32x4.mul(v128.load(p1 + o), k1);
      const r2 = f32x4.mul(v128.load(p2 + o), k2);
      const r3 = f32x4.mul(v128.load(p3 + o), k3);
      v128.store(p0 + o, r0);
      v128.store(p1 + o, r1);
      v128.store(p2 + o, r2);
      v128.store(p3 + o, r3);
      if (gT != 0) {
        // 4×4 transpose: columns j..j+3 of rows i..i+3 become rows j..j+3 of gT at column i
        const t01lo = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t01hi = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t23lo = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t23hi = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const out = gT + <usize>j * colBytes + (<usize>i << 2);
        v128.store(out, v128.shuffle<f32>(t01lo, t23lo, 0, 1, 4, 5));
        v128.store(out + colBytes, v128.shuffle<f32>(t01lo, t23lo, 2, 3, 6, 7));
        v128.store(out + 2 * colBytes, v128.shuffle<f32>(t01hi, t23hi, 0, 1, 4, 5));
        v128.store(out + 3 * colBytes, v128.shuffle<f32>(t01hi, t23hi, 2, 3, 6, 7));
      }
    }
    for (let r = 0; r < 4; r++) scaleTail(probs, coefs, gT, i + r, j, c, rowBytes, colBytes);
  }
  for (; i < m; i++) scaleTail(probs, coefs, gT, i, 0, c, rowBytes, colBytes);
  // the target of each row: −coef
  for (let r = 0; r < m; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    const coef = load<f32>(coefs + (<usize>r << 2));
    const at = probs + <usize>r * rowBytes + (<usize>t << 2);
    const g = load<f32>(at) - coef;
    store<f32>(at, g);
    if (gT != 0) store<f32>(gT + <usize>t * colBytes + (<usize>r << 2), g);
  }
}

/** Columns [from, c) of row r, one at a time. */
function scaleTail(probs: usize, coefs: usize, gT: usize, r: i32, from: i32, c: i32, rowBytes: usize, colBytes: usize): void {
  const coef = load<f32>(coefs + (<usize>r << 2));
  for (let j = from; j < c; j++) {
    const at = probs + <usize>r * rowBytes + (<usize>j << 2);
    const g = load<f32>(at) * coef;
    store<f32>(at, g);
    if (gT != 0) store<f32>(gT + <usize>j * colBytes + (<usize>r << 2), g);
  }
}
