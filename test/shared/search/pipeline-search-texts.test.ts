// The pipeline's search texts go through the text-embedding cache: the value step's encoding
// serves the infer step, which then encodes nothing. Needs the text model (infra/setup.sh --text-model).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineSearchTexts } from '../../../shared/search/pipeline-search-texts';
import { itemTextEmbeddings } from '../../../shared/text/item-text';
import { loadSentenceEncoder } from '../../../shared/text/sentence-encoder';

let cache: string;
beforeAll(async () => { cache = await mkdtemp(path.join(tmpdir(), 'assay-search-texts-')); });
afterAll(async () => { await rm(cache, { recursive: true, force: true }); });

describe('pipeline search texts', () => {
  it('encodes items and queries in task order, and leaves every text in the cache for the next step', async () => {
    const task = { itemTexts: ['wireless headphones', 'face serum 30 ml', 'wireless headphones'], queryTexts: ['headphones', 'serum for dry skin'] };
    const first = await pipelineSearchTexts(task, cache);
    expect([first.items.rows, first.queries.rows]).toEqual([3, 2]);
    // rows follow the task: equal texts get equal rows, different texts different ones
    const row = (m: typeof first.items, r: number) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols));
    expect(row(first.items, 2)).toEqual(row(first.items, 0));
    expect(row(first.items, 1)).not.toEqual(row(first.items, 0));
    const second = await pipelineSearchTexts(task, cache);
    expect(Buffer.from(second.items.data.buffer).equals(Buffer.from(first.items.data.buffer))).toBe(true);
    expect(Buffer.from(second.queries.data.buffer).equals(Buffer.from(first.queries.data.buffer))).toBe(true);
    // what a later step finds in the cache: every distinct text, nothing left to encode
    const encoder = await loadSentenceEncoder();
    try {
      const cached = await itemTextEmbeddings(encoder, [...task.itemTexts, ...task.queryTexts], cache);
      expect([cached.encoded, cached.cached]).toEqual([0, 4]);
    } finally {
      await encoder.close();
    }
  });
});
