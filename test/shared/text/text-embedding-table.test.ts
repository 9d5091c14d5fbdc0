import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../../../shared/data/types';
import { LocalArtifactStore } from '../../../shared/store';
import { decodeTextEmbeddingTable, encodeTextEmbeddingTable, encodeWithTable, getTextEmbeddingTable, putTextEmbeddingTable, type TextEncoding } from '../../../shared/text/text-embedding-table';

/** A stand-in encoder: row = [text length, first char code, call index], and it records what it encoded. */
function countingEncoder(modelKey = 'fake-model@1'): TextEncoding & { seen: string[] } {
  const seen: string[] = [];
  return {
    modelKey,
    dim: 3,
    seen,
    async encode(texts: readonly string[]): Promise<Matrix> {
      const data = new Float32Array(texts.length * 3);
      texts.forEach((text, row) => data.set([text.length, text.charCodeAt(0) || 0, seen.length + row], row * 3));
      seen.push(...texts);
      return { rows: texts.length, cols: 3, data };
    },
  };
}

const rowsOf = (m: Matrix): number[][] => Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

describe('text embedding table (content-digest keyed)', () => {
  it('encodes each distinct text once and returns rows in input order', async () => {
    const encoder = countingEncoder();
    const result = await encodeWithTable(encoder, ['Toy Story (1995)', 'GoldenEye (1995)', 'Toy Story (1995)']);
    expect(encoder.seen).toEqual(['Toy Story (1995)', 'GoldenEye (1995)']);
    expect(result.encoded).toBe(2);
    expect(rowsOf(result.embeddings)).toEqual([[16, 84, 0], [16, 71, 1], [16, 84, 0]]);
    expect(result.table.digests).toHaveLength(2);
  });

  it('re-encodes only the items whose text changed since the previous table', async () => {
    const encoder = countingEncoder();
    const first = await encodeWithTable(encoder, ['a red lamp', 'a blue chair', 'a green desk']);
    const second = await encodeWithTable(encoder, ['a red lamp', 'a blue armchair', 'a green desk'], first.table);
    expect(encoder.seen).toEqual(['a red lamp', 'a blue chair', 'a green desk', 'a blue armchair']);
    expect(second.encoded).toBe(1);
    expect(rowsOf(second.embeddings)[0]).toEqual(rowsOf(first.embeddings)[0]);
    // the table keeps the old version's row too, so switching back costs nothing
    expect(second.table.embeddings.rows).toBe(4);
  });

  it('re-encodes everything when the previous table came from another model', async () => {
    const first = await encodeWithTable(countingEncoder('model-a'), ['one', 'two']);
    const other = countingEncoder('model-b');
    const second = await encodeWithTable(other, ['one', 'two'], first.table);
    expect(other.seen).toEqual(['one', 'two']);
    expect(second.encoded).toBe(2);
  });

  it('round-trips through the artifact store byte for byte', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'assay-text-table-'));
    try {
      const store = new LocalArtifactStore(root);
      const { table } = await encodeWithTable(countingEncoder(), ['Café crème', 'Ünïcödé', '']);
      const ref = await putTextEmbeddingTable(store, table, { run: 'r1', step: 'text', name: 'item-text-embeddings' });
      const back = await getTextEmbeddingTable(store, ref);
      expect(back.modelKey).toBe(table.modelKey);
      expect(back.digests).toEqual(table.digests);
      expect(Array.from(back.embeddings.data)).toEqual(Array.from(table.embeddings.data));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a truncated table with what is wrong and what to do', async () => {
    const { table } = await encodeWithTable(countingEncoder(), ['x', 'y']);
    const bytes = encodeTextEmbeddingTable(table);
    expect(() => decodeTextEmbeddingTable(bytes.subarray(0, bytes.length - 4), 'file:///t')).toThrow(/file:\/\/\/t: .* bytes, expected .*re-run the step that wrote it with --no-cache/);
  });
});
