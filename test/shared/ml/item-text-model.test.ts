// Item text in the models (encoder.ts itemTable): frozen per-item text rows, projected and added to
// the id rows, trained through pretraining and fine-tuning, carried by checkpoints, and scored by
// the exported ONNX scorer; an item the model never saw is scored through its text alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import type { Matrix } from '../../../shared/data/types';
import { selectBackend } from '../../../shared/ml/backend';
import { createModel, disposeModel, exportWeights, FROZEN_ITEM_TEXT, parameterShapes, projectItemText } from '../../../shared/ml/encoder';
import { EncoderConfigSchema } from '../../../shared/ml/config';
import { finetune } from '../../../shared/ml/finetune';
import { loadModel } from '../../../shared/ml/load-model';
import { onnxBatchScorer } from '../../../shared/ml/onnx/batch-inference';
import { exportDotScorer } from '../../../shared/ml/onnx/export-dot-scorer';
import { createScoringSession } from '../../../shared/ml/onnx/scoring-session';
import { pretrain } from '../../../shared/ml/pretrain';
import { itemEmbeddings, servingItemEmbeddings, userEmbeddings } from '../../../shared/ml/scoring';
import { FIRST_ITEM_ROW } from '../../../shared/ml/vocabulary';
import { TINY, tinySequences, tinyTable } from './tiny-data';

const root = mkdtempSync(join(tmpdir(), 'assay-item-text-'));
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TEXT_DIM = 24;
const encoder = { dim: 16, layers: 1, heads: 2, maxLen: 12, dropout: 0 };

/** Unit-norm random rows, one per item: stand-ins for sentence embeddings (the model only sees numbers). */
function unitRows(rows: number, cols: number, seed: number): Matrix {
  const rng = new Random(seed);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let c = 0; c < cols; c++) {
      const v = rng.next() * 2 - 1;
      data[r * cols + c] = v;
      norm += v * v;
    }
    for (let c = 0; c < cols; c++) data[r * cols + c]! /= Math.sqrt(norm);
  }
  return { rows, cols, data };
}

const text = unitRows(TINY.numItems, TEXT_DIM, 5);

async function trainWithText(name: string) {
  const seqs = tinySequences();
  const train = tinyTable(seqs);
  train.query.fill(-1);
  const pre = await pretrain({ numItems: TINY.numItems, sequences: seqs, itemTextEmbeddings: text }, { encoder, epochs: 3, batchSize: 8, seed: 3 }, { checkpointDir: join(root, name, 'pretrain') });
  const ft = await finetune({ numUsers: TINY.numUsers, numItems: TINY.numItems, train }, pre.model, { epochs: 4, batchSize: 8, seed: 3, optimizer: { lr: 5e-3 } }, { checkpointDir: join(root, name, 'finetune') });
  disposeModel(pre.model);
  return { pre, ft, seqs };
}

describe('item text in the models', () => {
  it('off by default: no projection parameter, and the shared parameters start from the same draws with it on', () => {
    const cfg = EncoderConfigSchema.parse(encoder);
    const vocab = { numItems: TINY.numItems, vocabSize: 0 };
    expect(cfg.itemTextDim).toBeUndefined();
    expect(parameterShapes(cfg, vocab).map(([name]) => name)).not.toContain('itemText.proj');
    const plain = createModel(cfg, vocab, 9);
    const withText = createModel({ ...cfg, itemTextDim: TEXT_DIM }, vocab, 9, text);
    const a = exportWeights(plain);
    const b = exportWeights(withText);
    expect(Object.keys(a)).not.toContain(FROZEN_ITEM_TEXT);
    for (const name of Object.keys(a)) expect(Buffer.from(b[name]!.data.buffer).equals(Buffer.from(a[name]!.data.buffer)), name).toBe(true);
    expect(b['itemText.proj']!.shape).toEqual([TEXT_DIM, cfg.dim]);
    disposeModel(plain);
    disposeModel(withText);
  });

  it('trains the projection in pretraining and fine-tuning, keeps the text frozen, and the checkpoint carries both', async () => {
    const { pre, ft } = await trainWithText('trained');
    const init = createModel({ ...EncoderConfigSchema.parse(encoder), itemTextDim: TEXT_DIM }, { numItems: TINY.numItems, vocabSize: 0 }, 3, text);
    const initProj = exportWeights(init)['itemText.proj']!.data;
    disposeModel(init);
    expect(Array.from(pre.weights['itemText.proj']!.data)).not.toEqual(Array.from(initProj));
    expect(Array.from(ft.weights['itemText.proj']!.data)).not.toEqual(Array.from(pre.weights['itemText.proj']!.data));
    expect(Array.from(ft.weights[FROZEN_ITEM_TEXT]!.data)).toEqual(Array.from(text.data));
    const { model: loaded } = await loadModel(ft.checkpointDir!);
    expect(loaded.encoder.itemTextDim).toBe(TEXT_DIM);
    expect(Array.from(itemEmbeddings(loaded).data)).toEqual(Array.from(ft.itemEmbeddings.data));
    disposeModel(loaded);
    disposeModel(ft.model);
  });

  it('the exported ONNX scorer ranks with id rows + projected text, matching tfjs scoring of the same users', async () => {
    const { ft, seqs } = await trainWithText('onnx');
    const model = ft.model;
    const w = exportWeights(model);
    const d = encoder.dim;
    // the item vectors computed by hand from the exported weights: id row + text · proj
    const byHand = new Float32Array(TINY.numItems * d);
    const idOnly = new Float32Array(TINY.numItems * d);
    for (let i = 0; i < TINY.numItems; i++) {
      for (let c = 0; c < d; c++) {
        let projected = 0;
        for (let t = 0; t < TEXT_DIM; t++) projected += text.data[i * TEXT_DIM + t]! * w['itemText.proj']!.data[t * d + c]!;
        idOnly[i * d + c] = w['embedding.table']!.data[(FIRST_ITEM_ROW + i) * d + c]!;
        byHand[i * d + c] = idOnly[i * d + c]! + projected;
      }
    }
    const items = itemEmbeddings(model);
    let worst = 0;
    for (let p = 0; p < byHand.length; p++) worst = Math.max(worst, Math.abs(items.data[p]! - byHand[p]!));
    expect(worst).toBeLessThan(1e-5);

    const users = userEmbeddings(model, seqs);
    const some = Int32Array.from([0, 3, 7, 11]);
    const exported = exportDotScorer({ userEmbeddings: users, itemEmbeddings: items, k: 5 });
    const scoring = await createScoringSession(exported.files['scorer.onnx']);
    const onnxScores = await onnxBatchScorer(scoring, users)(some);
    await scoring.session.release();
    // tfjs: the same users' context vectors times the model's own item table
    const tfjsScores = tf.tidy(() => tf.matMul(tf.tensor2d(users.data, [users.rows, d]).gather(Array.from(some)), tf.tensor2d(items.data, [TINY.numItems, d]), false, true).dataSync());
    let parity = 0;
    let textShare = 0;
    some.forEach((u, r) => {
      for (let i = 0; i < TINY.numItems; i++) {
        const onnx = onnxScores[r * TINY.numItems + i]!;
        parity = Math.max(parity, Math.abs(onnx - tfjsScores[r * TINY.numItems + i]!));
        let idScore = 0;
        for (let c = 0; c < d; c++) idScore += users.data[u * d + c]! * idOnly[i * d + c]!;
        textShare = Math.max(textShare, Math.abs(onnx - idScore));
      }
    });
    expect(parity).toBeLessThan(1e-4);
    // the text part moves the exported scores by far more than the parity tolerance
    expect(textShare).toBeGreaterThan(1e-2);
    disposeModel(model);
  });

  it('an item never trained on is scored through its text: a copy of a seen item\'s text lands next to that item', async () => {
    const { ft, seqs } = await trainWithText('cold');
    const model = ft.model;
    const items = itemEmbeddings(model);
    const copies = projectItemText(model, text); // each item's text as if it were a new item
    const d = encoder.dim;
    const cosine = (a: Float32Array, b: Float32Array) => {
      let dot = 0, na = 0, nb = 0;
      for (let c = 0; c < d; c++) { dot += a[c]! * b[c]!; na += a[c]! * a[c]!; nb += b[c]! * b[c]!; }
      return dot / Math.sqrt(na * nb);
    };
    let nearest = 0;
    for (let j = 0; j < TINY.numItems; j++) {
      const copy = copies.data.subarray(j * d, (j + 1) * d);
      let best = -1;
      let bestSim = -Infinity;
      for (let i = 0; i < TINY.numItems; i++) {
        const sim = cosine(copy, items.data.subarray(i * d, (i + 1) * d));
        if (sim > bestSim) [best, bestSim] = [i, sim];
      }
      if (best === j) nearest++;
    }
    // chance would make the item itself the nearest of 20 for about one item in twenty
    expect(nearest / TINY.numItems).toBeGreaterThanOrEqual(0.75);

    // and users score the copy like the item: across users, the two scores move together
    const users = userEmbeddings(model, seqs);
    let agree = 0;
    let pairs = 0;
    for (let j = 0; j < TINY.numItems; j++) {
      const copyScores: number[] = [];
      const itemScores: number[] = [];
      for (let u = 0; u < users.rows; u++) {
        const ctx = users.data.subarray(u * d, (u + 1) * d);
        let s = 0, t = 0;
        for (let c = 0; c < d; c++) { s += ctx[c]! * copies.data[j * d + c]!; t += ctx[c]! * items.data[j * d + c]!; }
        copyScores.push(s);
        itemScores.push(t);
      }
      for (let a = 0; a < users.rows; a++) for (let b = a + 1; b < users.rows; b++) {
        pairs++;
        if (Math.sign(copyScores[a]! - copyScores[b]!) === Math.sign(itemScores[a]! - itemScores[b]!)) agree++;
      }
    }
    expect(agree / pairs).toBeGreaterThan(0.7);
    disposeModel(model);
  });

  it('serves an item no training row reached by its text alone, and leaves a model without text as it was', async () => {
    const { ft } = await trainWithText('serving');
    const trained = new Uint8Array(TINY.numItems).fill(1);
    trained[2] = 0;
    trained[9] = 0;
    const served = servingItemEmbeddings(ft.model, trained);
    const full = itemEmbeddings(ft.model);
    const textOnly = projectItemText(ft.model, text);
    const d = encoder.dim;
    const row = (m: { data: Float32Array }, i: number) => Array.from(m.data.subarray(i * d, (i + 1) * d));
    for (let i = 0; i < TINY.numItems; i++) {
      const expected = trained[i] ? row(full, i) : row(textOnly, i);
      row(served, i).forEach((v, c) => expect(v, `item ${i}`).toBeCloseTo(expected[c]!, 6));
    }
    expect(row(served, 2)).not.toEqual(row(full, 2));
    disposeModel(ft.model);
    const plain = createModel(EncoderConfigSchema.parse(encoder), { numItems: TINY.numItems, vocabSize: 0 }, 1);
    expect(Array.from(servingItemEmbeddings(plain, trained).data)).toEqual(Array.from(itemEmbeddings(plain).data));
    disposeModel(plain);
  });

  it('id dropout changes training only in a model with item text', async () => {
    const seqs = tinySequences();
    const run = async (name: string, data: object, idDropout?: number) =>
      (await pretrain({ numItems: TINY.numItems, sequences: seqs, ...data }, { encoder, epochs: 1, batchSize: 8, seed: 3, ...(idDropout && { idDropout }) }, { checkpointDir: join(root, 'id-dropout', name) })).weights['embedding.table']!.data;
    expect(Array.from(await run('plain-dropout', {}, 0.5))).toEqual(Array.from(await run('plain', {})));
    expect(Array.from(await run('text-dropout', { itemTextEmbeddings: text }, 0.5))).not.toEqual(Array.from(await run('text', { itemTextEmbeddings: text })));
  });

  it('refuses text rows that do not match the catalogue, naming the counts', async () => {
    const seqs = tinySequences();
    const short = unitRows(TINY.numItems - 1, TEXT_DIM, 1);
    await expect(pretrain({ numItems: TINY.numItems, sequences: seqs, itemTextEmbeddings: short }, { encoder, epochs: 1 }, { checkpointDir: join(root, 'bad') })).rejects.toThrow(/19 rows for numItems=20/);
  });
});
