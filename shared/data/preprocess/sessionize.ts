// Sessions: a session id given by the source wins; otherwise a user's consecutive events
// belong to one session until a gap longer than `gapSeconds` (30 min by default, the
// conventional web-analytics inactivity timeout).

/**
 * @param order row indices sorted by (user, time)
 * @param sourceSession source session id per row, -1 where the source has none
 * @returns dense session index per row (indexed like the input columns)
 */
export function sessionize(
  user: Int32Array,
  ts: Float64Array,
  sourceSession: Int32Array,
  order: Int32Array,
  gapSeconds: number,
): Int32Array {
  const session = new Int32Array(user.length).fill(-1);
  const denseOfSource = new Map<number, number>();
  let next = 0;
  let prevUser = -1;
  let prevTs = 0;
  let current = -1; // the gap-based session the previous row of this user belongs to
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const u = user[i]!;
    const t = ts[i]!;
    const src = sourceSession[i]!;
    if (src >= 0) {
      let dense = denseOfSource.get(src);
      if (dense === undefined) {
        dense = next++;
        denseOfSource.set(src, dense);
      }
      session[i] = dense;
      current = -1; // a gap-based session never spans a source session
    } else {
      if (u !== prevUser || current < 0 || t - prevTs > gapSeconds) current = next++;
      session[i] = current;
    }
    prevUser = u;
    prevTs = t;
  }
  return session;
}
