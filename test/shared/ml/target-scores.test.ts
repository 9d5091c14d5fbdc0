import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../../shared/ml/backend';
import { causalCopy, createModel, disposeModel, encode, type RecModel } from '../../../shared/ml/encoder';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { itemEmbeddings } from '../../../shared/ml/scoring';
import { drawCandidates, scoreTargets } from '../../../shared/ml/target-scores';
import { Random } from '../../../shared/random';
import { itemRow, MASK_ROW } from '../../../shared/ml/vocabulary';
import { TINY, tinySequences, tinyTable } from './tiny-data';

const vocab = { numItems: TINY.numItems, vocabSize: 0 };
const encoder = EncoderConfigSchema.parse({ dim: 16, layers: 1, heads: 2, maxLen: 20, dropout: 0, initStd: 0.3 });
let bidirectional: RecModel;
let causal: RecModel;
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
  bidirectional = createModel(encoder, vocab, 3);
  causal = causalCopy(bidirectional);
});
afterAll(() => {
  disposeModel(bidirectional);
  disposeModel(causal);
});

function logSoftmax(scores: Float32Array | number[], target: number): number {
  const max = Math.max(...scores);
  const sum = Array.from(scores).reduce((s, x) => s + Math.exp(x - max), 0);
  return (scores[target] as number) - max - Math.log(sum);
}

/** Each train row j of the tiny data with its item and the full logits the causal model gives its context. */
function referenceLogits(): { train: ReturnType<typeof tinyTable>; rows: { j: number; y: number; logits: number[] }[] } {
  const seqs = tinySequences();
  const train = tinyTable(seqs);
  train.query.fill(-1);
  const items = itemEmbeddings(causal);
  const rows: { j: number; y: number; logits: number[] }[] = [];
  // each user's row [MASK, x1 … x(n-1)] encoded alone; column k predicts x(k+1)
  for (let u = 0; u < TINY.numUsers; u++) {
    const lo = seqs.offsets[u]!;
    const n = seqs.offsets[u + 1]! - lo;
    const ids = Int32Array.from({ length: n }, (_, k) => (k === 0 ? MASK_ROW : itemRow(seqs.items[lo + k - 1]!)));
    const hidden = tf.tidy(() => encode(causal, ids, 1, n, { training: false }).dataSync());
    for (let k = 0; k < n; k++) {
      const logits = Array.from({ length: TINY.numItems }, (_, i) => {
        let dot = 0;
        for (let c = 0; c < 16; c++) dot += hidden[k * 16 + c]! * items.data[i * 16 + c]!;
        return dot;
      });
      const j = lo + k; // tinyTable's rows are the sequences in time order
      rows.push({ j, y: train.item[j]!, logits });
    }
  }
  return { train, rows };
}

describe('scoreTargets', () => {
  it('gives every interaction the full-softmax log-probability and outranked share of its item, read where fine-tuning predicts it', async () => {
    const { train, rows } = referenceLogits();
    const scores = await scoreTargets(causal, { numUsers: TINY.numUsers, numItems: TINY.numItems, train }, {}, 5);
    for (const { j, y, logits } of rows) {
      expect(scores.logProb[j]).toBeCloseTo(logSoftmax(logits, y), 4);
      expect(scores.outranks[j]).toBeCloseTo(logits.filter((x) => x < logits[y]!).length / (TINY.numItems - 1), 6);
    }
  });

  it('estimates both from a fixed sample of the catalogue: the sample\'s outranked share, the sample\'s normaliser scaled to the catalogue', async () => {
    const { train, rows } = referenceLogits();
    const candidates = drawCandidates(TINY.numItems, 7, new Random(5));
    expect(Array.from(candidates)).toEqual(Array.from(candidates).sort((a, b) => a - b));
    const scores = await scoreTargets(causal, { numUsers: TINY.numUsers, numItems: TINY.numItems, train }, {}, 5, candidates);
    let targetsInSample = 0;
    for (const { j, y, logits } of rows) {
      const others = Array.from(candidates).filter((i) => i !== y);
      targetsInSample += others.length < candidates.length ? 1 : 0;
      const rest = others.reduce((sum, i) => sum + Math.exp(logits[i]!), 0) * ((TINY.numItems - 1) / others.length);
      expect(scores.logProb[j]).toBeCloseTo(logits[y]! - Math.log(Math.exp(logits[y]!) + rest), 4);
      expect(scores.outranks[j]).toBeCloseTo(others.filter((i) => logits[i]! < logits[y]!).length / others.length, 6);
    }
    // both cases occur: targets inside the sample (left out of it) and outside
    expect(targetsInSample).toBeGreaterThan(0);
    expect(targetsInSample).toBeLessThan(rows.length);
    // a draw of more items than the catalogue has falls back to the exact pass
    const whole = await scoreTargets(causal, { numUsers: TINY.numUsers, numItems: TINY.numItems, train }, {}, 5, drawCandidates(TINY.numItems, 1000, new Random(5)));
    const exact = await scoreTargets(causal, { numUsers: TINY.numUsers, numItems: TINY.numItems, train }, {}, 5);
    expect([Array.from(whole.logProb), Array.from(whole.outranks)]).toEqual([Array.from(exact.logProb), Array.from(exact.outranks)]);
  });

  it('refuses a sample it cannot estimate from: an item outside the catalogue, a repeated item, fewer than two items', async () => {
    const train = tinyTable(tinySequences());
    train.query.fill(-1);
    const score = (candidates: number[]) => scoreTargets(causal, { numUsers: TINY.numUsers, numItems: TINY.numItems, train }, {}, 5, Int32Array.from(candidates));
    await expect(score([0, 3, TINY.numItems])).rejects.toThrow(/candidate item 20 is outside the catalogue \[0, 20\)/);
    await expect(score([0, 3, 3])).rejects.toThrow(/candidate item 3 appears twice/);
    // a catalogue-sized list with a repeat is refused too, not read as the whole catalogue
    await expect(score([...Array.from({ length: TINY.numItems - 1 }, (_, i) => i), 0])).rejects.toThrow(/candidate item 0 appears twice/);
    await expect(score([4])).rejects.toThrow(/1 candidate items; a sample needs at least 2/);
  });

  it('scores only the given examples and refuses a bidirectional model', async () => {
    const train = tinyTable(tinySequences());
    train.query.fill(-1);
    const scores = await scoreTargets(causal, { numUsers: TINY.numUsers, numItems: TINY.numItems, train, examples: { indices: Int32Array.from([2, 5]), weights: new Float32Array(2).fill(1) } });
    expect(Array.from(scores.logProb).map((x, j) => [j, Number.isNaN(x)]).filter(([, nan]) => !nan).map(([j]) => j)).toEqual([2, 5]);
    await expect(scoreTargets(bidirectional, { numUsers: TINY.numUsers, numItems: TINY.numItems, train })).rejects.toThrow(/causal/);
  });
});
