// Dense inverse of a symmetric positive-definite matrix (row-major Float64Array, n × n) through
// its Cholesky factor (Golub & Van Loan, Matrix Computations, 4th ed., §4.2 and §3.1):
//   A = L·Lᵀ                          (Cholesky–Banachiewicz, row by row)     n³/3 flops
//   V = (L⁻¹)ᵀ                        (forward substitution per column)        n³/3 flops
//   A⁻¹ = V·Vᵀ                        (symmetric, lower half then mirrored)    n³/3 flops
// n³ flops in all, half of an LU-based inverse. Every inner loop runs over contiguous rows, and
// the dot-product kernels work on 4 (× 2) rows at a time so each loaded value serves 2–4 dots.

/** Returns A⁻¹ as a new full (symmetric) n × n Float64Array; `matrix` is left untouched. */
export function invertSpd(matrix: Float64Array, n: number): Float64Array {
  if (matrix.length !== n * n) throw new RangeError(`invertSpd: matrix has ${matrix.length} values, expected n × n = ${n * n}`);
  const factor = Float64Array.from(matrix);
  choleskyInPlace(factor, n);
  // V = (L⁻¹)ᵀ: A⁻¹ = L⁻ᵀ·L⁻¹ = V·Vᵀ, whose entries are dots of contiguous rows of V.
  return gramOfUpperRows(transposedInverseOfLower(factor, n), n);
}

/** Overwrites the lower triangle with L (A = L·Lᵀ) and zeroes the strict upper triangle. */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let i0 = 0; i0 < n; i0 += 4) {
    const blockRows = Math.min(4, n - i0);
    // Columns left of the block: every block row against row j, two j at a time.
    let j = 0;
    if (blockRows === 4) {
      const r0 = i0 * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (; j + 1 < i0; j += 2) {
        const ra = j * n;
        const rb = ra + n;
        let a0 = a[r0 + j]!, a1 = a[r1 + j]!, a2 = a[r2 + j]!, a3 = a[r3 + j]!;
        let b0 = a[r0 + j + 1]!, b1 = a[r1 + j + 1]!, b2 = a[r2 + j + 1]!, b3 = a[r3 + j + 1]!;
        for (let k = 0; k < j; k++) {
          const la = a[ra + k]!;
          const lb = a[rb + k]!;
          const x0 = a[r0 + k]!, x1 = a[r1 + k]!, x2 = a[r2 + k]!, x3 = a[r3 + k]!;
          a0 -= x0 * la; a1 -= x1 * la; a2 -= x2 * la; a3 -= x3 * la;
          b0 -= x0 * lb; b1 -= x1 * lb; b2 -= x2 * lb; b3 -= x3 * lb;
        }
        const dA = a[ra + j]!;
        a0 /= dA; a1 /= dA; a2 /= dA; a3 /= dA;
        a[r0 + j] = a0; a[r1 + j] = a1; a[r2 + j] = a2; a[r3 + j] = a3;
        // Column j+1 still lacks the k = j term, which needed column j just finished.
        const lbj = a[rb + j]!;
        const dB = a[rb + j + 1]!;
        a[r0 + j + 1] = (b0 - a0 * lbj) / dB;
        a[r1 + j + 1] = (b1 - a1 * lbj) / dB;
        a[r2 + j + 1] = (b2 - a2 * lbj) / dB;
        a[r3 + j + 1] = (b3 - a3 * lbj) / dB;
      }
    }
    for (let i = i0; i < i0 + blockRows; i++) {
      const ri = i * n;
      for (let jj = j; jj <= i; jj++) {
        const rj = jj * n;
        let sum = a[ri + jj]!;
        for (let k = 0; k < jj; k++) sum -= a[ri + k]! * a[rj + k]!;
        if (jj === i) {
          if (!(sum > 0)) {
            throw new RangeError(
              `choleskyInPlace: matrix is not positive definite (pivot ${i} is ${sum}); increase the ridge λ or check the input`,
            );
          }
          a[ri + i] = Math.sqrt(sum);
        } else {
          a[ri + jj] = sum / a[rj + jj]!;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}

/**
 * Lower-triangular L → V = (L⁻¹)ᵀ, upper triangular. Column j of L⁻¹ solves L·w = e_j:
 *   w_j = 1 / L_jj,   w_i = −(Σ_{k=j}^{i−1} L_ik · w_k) / L_ii  for i > j,
 * a dot of row i of L with w, and w is stored as row j of V so both operands are contiguous.
 * Four columns are solved together so every row of L read from memory serves four dots.
 */
export function transposedInverseOfLower(l: Float64Array, n: number): Float64Array {
  const v = new Float64Array(n * n);
  for (let j0 = 0; j0 < n; j0 += 4) {
    const cols = Math.min(4, n - j0);
    // Triangular head: rows i inside the block.
    for (let r = 0; r < cols; r++) {
      const j = j0 + r;
      const rv = j * n;
      v[rv + j] = 1 / l[j * n + j]!;
      for (let i = j + 1; i < j0 + cols; i++) {
        let sum = 0;
        for (let k = j; k < i; k++) sum += l[i * n + k]! * v[rv + k]!;
        v[rv + i] = -sum / l[i * n + i]!;
      }
    }
    const v0 = j0 * n, v1 = v0 + n, v2 = v1 + n, v3 = v2 + n;
    for (let i = j0 + cols; i < n; i++) {
      const ri = i * n;
      if (cols === 4) {
        // v_r[k] is zero for k < j0 + r, so all four dots may start at k = j0.
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = j0; k < i; k++) {
          const lik = l[ri + k]!;
          s0 += lik * v[v0 + k]!; s1 += lik * v[v1 + k]!; s2 += lik * v[v2 + k]!; s3 += lik * v[v3 + k]!;
        }
        const d = l[ri + i]!;
        v[v0 + i] = -s0 / d; v[v1 + i] = -s1 / d; v[v2 + i] = -s2 / d; v[v3 + i] = -s3 / d;
      } else {
        for (let r = 0; r < cols; r++) {
          const rv = (j0 + r) * n;
          let sum = 0;
          for (let k = j0 + r; k < i; k++) sum += l[ri + k]! * v[rv + k]!;
          v[rv + i] = -sum / l[ri + i]!;
        }
      }
    }
  }
  return v;
}

/** For upper-triangular V (row a zero left of column a): G = V·Vᵀ, full symmetric. */
function gramOfUpperRows(v: Float64Array, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let a0 = 0; a0 < n; a0 += 4) {
    const blockRows = Math.min(4, n - a0);
    let b = 0;
    if (blockRows === 4) {
      // G[a][b] for b < a0: V[a][k] is zero for k < a0, so all four dots start at k = a0.
      const r0 = a0 * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      for (; b + 1 < a0; b += 2) {
        const ra = b * n;
        const rb = ra + n;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (let k = a0; k < n; k++) {
          const va = v[ra + k]!;
          const vb = v[rb + k]!;
          const x0 = v[r0 + k]!, x1 = v[r1 + k]!, x2 = v[r2 + k]!, x3 = v[r3 + k]!;
          s0 += x0 * va; s1 += x1 * va; s2 += x2 * va; s3 += x3 * va;
          t0 += x0 * vb; t1 += x1 * vb; t2 += x2 * vb; t3 += x3 * vb;
        }
        g[r0 + b] = s0; g[r1 + b] = s1; g[r2 + b] = s2; g[r3 + b] = s3;
        g[r0 + b + 1] = t0; g[r1 + b + 1] = t1; g[r2 + b + 1] = t2; g[r3 + b + 1] = t3;
      }
    }
    for (let a = a0; a < a0 + blockRows; a++) {
      const ra = a * n;
      for (let bb = b; bb <= a; bb++) {
        const rb = bb * n;
        let sum = 0;
        for (let k = a; k < n; k++) sum += v[ra + k]! * v[rb + k]!;
        g[ra + bb] = sum;
      }
    }
  }
  // Mirror the lower half.
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) g[b * n + a] = g[a * n + b]!;
  return g;
}
