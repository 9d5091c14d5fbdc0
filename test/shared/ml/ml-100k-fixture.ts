// MovieLens 100K from the shared data folder as a leave-last-out split: each user's newest
// interaction is the test item, everything before it is train. Read with a few lines here
// so these tests do not depend on the preprocessing pipeline.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataFolder } from '../../../shared/data/data-folder';
import { sequencesOf } from '../../../shared/data/preprocess/sequences';
import type { InteractionTable, UserSequences } from '../../../shared/data/types';

export const ML100K_INTER = resolve(dataFolder(), 'ml-100k', 'ml-100k.inter');

export interface LeaveLastOut {
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionTable;
  readonly trainSequences: UserSequences;
  /** held-out newest item per user */
  readonly testItem: Int32Array;
}

function table(user: number[], item: number[], ts: number[]): InteractionTable {
  const n = user.length;
  return {
    length: n,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    ts: Float64Array.from(ts),
    type: new Uint8Array(n),
    session: new Int32Array(n).fill(-1),
    relevance: new Float32Array(n).fill(1),
    query: new Int32Array(n).fill(-1),
  };
}

export function loadMl100kLeaveLastOut(): LeaveLastOut {
  const lines = readFileSync(ML100K_INTER, 'utf8').trim().split('\n').slice(1);
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const user: number[] = [];
  const item: number[] = [];
  const ts: number[] = [];
  for (const line of lines) {
    const [u, i, , t] = line.split('\t') as [string, string, string, string];
    if (!userIndex.has(u)) userIndex.set(u, userIndex.size);
    if (!itemIndex.has(i)) itemIndex.set(i, itemIndex.size);
    user.push(userIndex.get(u) as number);
    item.push(itemIndex.get(i) as number);
    ts.push(Number(t));
  }
  const numUsers = userIndex.size;
  const all = table(user, item, ts);
  const seqs = sequencesOf(all, numUsers);
  // the newest interaction per user (ties broken by row, as sequencesOf orders them)
  const testItem = new Int32Array(numUsers);
  for (let u = 0; u < numUsers; u++) testItem[u] = seqs.items[(seqs.offsets[u + 1] as number) - 1] as number;
  const tu: number[] = [];
  const ti: number[] = [];
  const tt: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    for (let k = seqs.offsets[u] as number; k < (seqs.offsets[u + 1] as number) - 1; k++) {
      tu.push(u);
      ti.push(seqs.items[k] as number);
      tt.push(k);
    }
  }
  const train = table(tu, ti, tt);
  return { numUsers, numItems: itemIndex.size, train, trainSequences: sequencesOf(train, numUsers), testItem };
}

/** HR@K of the held-out items under full ranking by dot product, train items excluded. */
export function hitRateAtK(userEmb: { data: Float32Array; cols: number }, itemEmb: { data: Float32Array; rows: number }, data: LeaveLastOut, k: number): number {
  const d = userEmb.cols;
  const scores = new Float32Array(itemEmb.rows);
  let hits = 0;
  for (let u = 0; u < data.numUsers; u++) {
    for (let i = 0; i < itemEmb.rows; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (userEmb.data[u * d + c] as number) * (itemEmb.data[i * d + c] as number);
      scores[i] = s;
    }
    for (let p = data.trainSequences.offsets[u] as number; p < (data.trainSequences.offsets[u + 1] as number); p++) scores[data.trainSequences.items[p] as number] = -Infinity;
    const target = scores[data.testItem[u] as number] as number;
    let better = 0;
    for (let i = 0; i < itemEmb.rows; i++) if ((scores[i] as number) > target) better++;
    if (better < k) hits++;
  }
  return hits / data.numUsers;
}
