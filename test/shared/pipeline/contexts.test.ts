import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { createModel } from '../../../shared/ml/encoder';
import { contextEmbeddings } from '../../../shared/ml/scoring';
import type { InteractionTable } from '../../../shared/data/types';
import { contextsBefore, embedContexts } from '../../../shared/pipeline/steps/contexts';

function table(user: number[], item: number[], ts: number[]): InteractionTable {
  const n = user.length;
  return {
    length: n, user: Int32Array.from(user), item: Int32Array.from(item), ts: Float64Array.from(ts), type: new Uint8Array(n),
    session: new Int32Array(n).fill(-1), relevance: new Float32Array(n).fill(1), query: new Int32Array(n).fill(-1),
  };
}

describe('per-interaction contexts', () => {
  beforeAll(async () => { await selectBackend('wasm', () => undefined); });

  it('holds exactly the items the user had before each interaction, newest last, capped', () => {
    // user 0: items 5 (t=3), 7 (t=1), 9 (t=2) → time order 7, 9, 5; user 1: item 4
    const t = table([0, 0, 0, 1], [5, 7, 9, 4], [3, 1, 2, 1]);
    const c = contextsBefore(t, 2, Int32Array.from([0, 1, 2, 3]), 1);
    const rows = [0, 1, 2, 3].map((r) => Array.from(c.items.subarray(c.offsets[r]!, c.offsets[r + 1]!)));
    expect(rows).toEqual([[9], [], [7], []]);
    const full = contextsBefore(t, 2, Int32Array.from([0]), 10);
    expect(Array.from(full.items)).toEqual([7, 9]);
  });

  it('a shorter encoding window gives the same embedding for contexts that fit in it', async () => {
    const model = createModel(EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0 }), { numItems: 30, vocabSize: 0 }, 3);
    const sequences = { offsets: Int32Array.from([0, 3, 5]), items: Int32Array.from([1, 2, 3, 4, 5]) };
    const wide = contextEmbeddings(model, { sequences });
    const narrow = await embedContexts(model, sequences, () => {}, 5, 1);
    expect(narrow.rows).toBe(2);
    for (let i = 0; i < wide.data.length; i++) expect(narrow.data[i]).toBeCloseTo(wide.data[i]!, 5);
  });
});
