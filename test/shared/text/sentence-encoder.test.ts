import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TextModelNotInstalledError } from '../../../shared/text/model-location';
import { loadSentenceEncoder } from '../../../shared/text/sentence-encoder';
import type { Matrix } from '../../../shared/data/types';

const referenceSchema = z.object({
  model: z.string(),
  safetensorsSha256: z.string(),
  sentences: z.array(z.object({ text: z.string(), inputIds: z.array(z.number().int()), embedding: z.array(z.number()) })),
});
const FIXTURE = path.join(__dirname, '../../fixtures/text-encoder/reference-embeddings.json');
type Reference = z.infer<typeof referenceSchema>;

/** 1 − cosine of each row against the reference embedding of the same sentence */
function cosineGaps(embeddings: Matrix, sentences: Reference['sentences']): number[] {
  return sentences.map((sentence, row) => {
    let dot = 0;
    for (let c = 0; c < embeddings.cols; c++) dot += embeddings.data[row * embeddings.cols + c]! * sentence.embedding[c]!;
    return 1 - dot;
  });
}

describe('sentence encoder (all-MiniLM-L6-v2 as an ONNX graph)', () => {
  it('matches the independent numpy reference within 1e-4 cosine, token ids included, when the texts share one padded batch', async () => {
    const reference = referenceSchema.parse(JSON.parse(await readFile(FIXTURE, 'utf8')));
    const encoder = await loadSentenceEncoder({ workers: 2, intraOpThreads: 1 });
    expect(encoder.modelKey).toBe(`sentence-transformers/all-MiniLM-L6-v2@sha256:${reference.safetensorsSha256}`);
    const texts = reference.sentences.map((sentence) => sentence.text);
    expect(encoder.tokenize(texts)).toEqual(reference.sentences.map((sentence) => sentence.inputIds));

    const embeddings = await encoder.encode(texts);
    expect(embeddings.cols).toBe(384);
    const lines: string[] = [];
    reference.sentences.forEach((sentence, row) => {
      const ours = embeddings.data.subarray(row * 384, (row + 1) * 384);
      let dot = 0;
      let norm = 0;
      for (let c = 0; c < 384; c++) {
        dot += ours[c]! * sentence.embedding[c]!;
        norm += ours[c]! * ours[c]!;
      }
      lines.push(`cosine ${dot.toFixed(7)}  1-cos ${(1 - dot).toExponential(2)}  ‖ours‖ ${Math.sqrt(norm).toFixed(6)}  ${JSON.stringify(sentence.text.slice(0, 48))}`);
      expect(1 - dot).toBeLessThan(1e-4);
      expect(Math.abs(Math.sqrt(norm) - 1)).toBeLessThan(1e-5);
    });
    console.log(`text-encoder parity vs numpy reference (${texts.length} sentences, one padded batch):\n${lines.join('\n')}`);
    await encoder.close();
  });

  it('returns rows in input order when batches run on several worker threads, the same rows as one session on the calling thread', async () => {
    const reference = referenceSchema.parse(JSON.parse(await readFile(FIXTURE, 'utf8')));
    // every sentence twice, the second copy reversed, so a row landing in the wrong place shows
    const sentences = [...reference.sentences, ...[...reference.sentences].reverse()];
    const texts = sentences.map((sentence) => sentence.text);
    const pooled = await loadSentenceEncoder({ workers: 2, batchSize: 3 });
    const inProcess = await loadSentenceEncoder({ workers: 0, intraOpThreads: 1, batchSize: 3 });
    expect(pooled.executionProvider).toBe('cpu');
    const [fromPool, fromSession] = await Promise.all([pooled.encode(texts), inProcess.encode(texts)]);
    for (const gap of cosineGaps(fromPool, sentences)) expect(gap).toBeLessThan(1e-4);
    let largestDifference = 0;
    fromPool.data.forEach((value, i) => (largestDifference = Math.max(largestDifference, Math.abs(value - fromSession.data[i]!))));
    expect(largestDifference).toBeLessThan(1e-6);
    console.log(`worker pool vs calling-thread session, ${texts.length} texts in batches of 3: largest difference ${largestDifference.toExponential(2)}`);

    await pooled.close();
    await expect(pooled.encode(texts.slice(0, 1))).rejects.toThrow('sentence encoder closed');
    await inProcess.close();
  });

  it('fails, where the model is not installed, with the exact command that installs it', async () => {
    const emptyCache = mkdtempSync(path.join(tmpdir(), 'assay-no-model-'));
    const attempt = loadSentenceEncoder({}, { ASSAY_CACHE: emptyCache });
    await expect(attempt).rejects.toBeInstanceOf(TextModelNotInstalledError);
    await expect(attempt).rejects.toThrow(`Install it from the Assay checkout with: ASSAY_CACHE=${emptyCache} bash infra/setup.sh --text-model`);
    await expect(attempt).rejects.toThrow(/lacks model\.safetensors, tokenizer\.json/);
  });
});
