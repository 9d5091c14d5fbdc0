// A tiny seeded catalogue for fast training tests: users with short item sequences, item
// texts as token ids, and the same data as an interaction table (one query per tenth row).
import { Random } from '../../../shared/random';
import type { InteractionTable, UserSequences } from '../../../shared/data/types';
import type { TokenCsr } from '../../../shared/ml/vocabulary';

export const TINY = { numUsers: 12, numItems: 20, vocabSize: 10 } as const;

export function tinySequences(seed = 7): UserSequences {
  const rng = new Random(seed);
  const offsets = new Int32Array(TINY.numUsers + 1);
  const items: number[] = [];
  for (let u = 0; u < TINY.numUsers; u++) {
    const n = 3 + rng.int(13);
    for (let k = 0; k < n; k++) items.push((u + k * 3) % TINY.numItems);
    offsets[u + 1] = items.length;
  }
  return { offsets, items: Int32Array.from(items) };
}

export function tinyItemText(seed = 8): TokenCsr {
  const rng = new Random(seed);
  const offsets = new Int32Array(TINY.numItems + 1);
  const ids: number[] = [];
  for (let i = 0; i < TINY.numItems; i++) {
    const n = i % 7 === 0 ? 0 : 2 + rng.int(5); // some items have no text
    for (let k = 0; k < n; k++) ids.push((i + k) % TINY.vocabSize);
    offsets[i + 1] = ids.length;
  }
  return { offsets, ids: Int32Array.from(ids), vocabSize: TINY.vocabSize };
}

export function tinyQueries(): TokenCsr {
  return { offsets: Int32Array.from([0, 2, 5]), ids: Int32Array.from([1, 2, 3, 4, 5]), vocabSize: TINY.vocabSize };
}

export function tinyTable(seqs: UserSequences): InteractionTable {
  const n = seqs.items.length;
  const user = new Int32Array(n);
  const ts = new Float64Array(n);
  const query = new Int32Array(n).fill(-1);
  for (let u = 0; u < TINY.numUsers; u++) {
    for (let k = seqs.offsets[u] as number; k < (seqs.offsets[u + 1] as number); k++) {
      user[k] = u;
      ts[k] = 1000 + k;
      if (k % 10 === 3) query[k] = k % 2;
    }
  }
  return { length: n, user, item: seqs.items.slice(), ts, type: new Uint8Array(n), session: new Int32Array(n).fill(-1), relevance: new Float32Array(n).fill(1), query };
}
