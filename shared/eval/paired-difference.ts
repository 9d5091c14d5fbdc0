// Valued minus control, user by user: both models are scored on the same test users, so the
// per-user differences d_u = a_u − b_u carry the comparison and the users' own difficulty
// cancels out. The interval is the normal approximation over users,
//   mean(d) ± z · sd(d) / √n,  sd with n − 1 (z = 1.96 for 95 %),
// sound for the hundreds to thousands of test users a run evaluates.
import { z } from 'zod';

export const Z_95 = 1.959963984540054;

// null where the value is undefined (no common user; one user has no interval): JSON's NaN
const undefinedAsNull = z.number().nullable();

export const PairedDifferenceSchema = z.object({
  /** users scored by both models with a finite value */
  users: z.number().int().min(0),
  meanA: undefinedAsNull,
  meanB: undefinedAsNull,
  /** mean of a_u − b_u */
  difference: undefinedAsNull,
  low: undefinedAsNull,
  high: undefinedAsNull,
});
export type PairedDifference = z.infer<typeof PairedDifferenceSchema>;

/**
 * The paired difference of two per-user metric arrays. `usersA`/`usersB` name the user of each
 * position; users present in one run only, or with a non-finite value, are left out.
 */
export function pairedDifference(usersA: Int32Array, a: Float32Array | Float64Array, usersB: Int32Array, b: Float32Array | Float64Array, z = Z_95): PairedDifference {
  const positionInB = new Map<number, number>();
  usersB.forEach((u, i) => positionInB.set(u, i));
  let n = 0;
  let sumA = 0;
  let sumB = 0;
  let sumD = 0;
  let sumD2 = 0;
  for (let i = 0; i < usersA.length; i++) {
    const j = positionInB.get(usersA[i]!);
    if (j === undefined) continue;
    const x = a[i]!;
    const y = b[j]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n += 1;
    sumA += x;
    sumB += y;
    sumD += x - y;
    sumD2 += (x - y) * (x - y);
  }
  if (n === 0) return { users: 0, meanA: Number.NaN, meanB: Number.NaN, difference: Number.NaN, low: Number.NaN, high: Number.NaN };
  const mean = sumD / n;
  const variance = n > 1 ? Math.max(0, (sumD2 - n * mean * mean) / (n - 1)) : Number.NaN;
  const half = n > 1 ? z * Math.sqrt(variance / n) : Number.NaN;
  return { users: n, meanA: sumA / n, meanB: sumB / n, difference: mean, low: mean - half, high: mean + half };
}
