// Train / valid / test assignment with no future leakage.
//  - time: one global cut by time quantiles; every valid/test event is at or after every
//    train event (ties at a cut all fall on the later side).
//  - leave-last-out: per user, the last event is test and the one before valid (the protocol
//    of the BERT4Rec/SASRec Amazon Beauty numbers). Users with 2 events give train + test,
//    users with 1 event give train only.
import type { SplitConfig } from '../source-config';

export const TRAIN = 0;
export const VALID = 1;
export const TEST = 2;

/**
 * @param rows row indices taking part, sorted by (user, time, original row)
 * @returns part per row (TRAIN/VALID/TEST), indexed like the columns; rows not listed stay TRAIN
 */
export function assignSplit(user: Int32Array, ts: Float64Array, rows: Int32Array, config: SplitConfig): Uint8Array {
  const part = new Uint8Array(user.length);
  if (config.mode === 'time') {
    const times = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) times[k] = ts[rows[k]!]!;
    times.sort();
    const cut = (fraction: number): number => {
      const index = Math.floor(rows.length * fraction);
      return index >= rows.length ? Infinity : times[index]!;
    };
    const validFrom = cut(1 - config.valid - config.test);
    const testFrom = cut(1 - config.test);
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k]!;
      const t = ts[i]!;
      part[i] = t >= testFrom ? TEST : t >= validFrom ? VALID : TRAIN;
    }
    return part;
  }
  let start = 0;
  while (start < rows.length) {
    const u = user[rows[start]!]!;
    let end = start + 1;
    while (end < rows.length && user[rows[end]!] === u) end++;
    const n = end - start;
    if (n >= 2) part[rows[end - 1]!] = TEST;
    if (n >= 3) part[rows[end - 2]!] = VALID;
    start = end;
  }
  return part;
}
