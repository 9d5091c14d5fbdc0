// Benchmark: why output-layer TracIn does (not) detect noise on ml-100k. One warm-up fine-tune
// per setting (as tracin-output trains it), then, from its final checkpoint's hidden states h
// and output gradients G = p − e_y, the detection AUC / k-means F1 of variants of the score:
//   TracIn against S = Σ_v h_v G_vᵀ (the method), its gradient cosine, against the same user's
//   validation interaction alone, −self-influence ‖G‖²‖h‖², −‖G‖, −loss, and ‖h‖ alone.
// `npm run bench -- tracin-output-variants [--settings uniform-20,natural-2] [--seed 1]`
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { selectBackend } from '../shared/ml/backend';
import { finetune } from '../shared/ml/finetune';
import { disposeModel } from '../shared/ml/encoder';
import { forEachTargetBatch, transposedItems } from '../shared/ml/target-scores';
import { noiseDetectionQuality } from '../shared/valuation/detection';
import type { InteractionTable } from '../shared/data/types';
import { loadReal, naturalNoise, plantRandomItems } from './valuation/datasets';
import { benchSpec, parseBenchArgs } from './valuation/options';
import { pretrainOn } from './valuation/pipeline-path';
import { markdownTable } from './valuation/table';
import { parseStringFlags, runIfMain } from './flags';

const USAGE = 'usage: npm run bench -- tracin-output-variants [--settings uniform-20,natural-2] [--seed N]';
const Flags = z.object({
  settings: z.string().regex(/^(uniform-20|natural-2)(,(uniform-20|natural-2))*$/, 'a comma-separated list of uniform-20, natural-2').default('uniform-20,natural-2'),
  seed: z.coerce.number().int().min(0).default(1),
});

/** The train split with every validation interaction appended: the appended rows are the examples (their contexts are whole histories). */
function withValidation(train: InteractionTable, valid: InteractionTable): InteractionTable {
  const n = train.length;
  const cat = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T, b: T): T => {
    const out = new (a.constructor as new (len: number) => T)(n + b.length);
    out.set(a);
    out.set(b, n);
    return out;
  };
  return { length: n + valid.length, user: cat(train.user, valid.user), item: cat(train.item, valid.item), ts: cat(train.ts, valid.ts), type: cat(train.type, valid.type), session: cat(train.session, valid.session), relevance: cat(train.relevance, valid.relevance), query: new Int32Array(n + valid.length).fill(-1) };
}

export async function run(args: string[]): Promise<void> {
  const flags = parseStringFlags(Flags, args, USAGE);
  await selectBackend(undefined, (line) => console.log(line));
  const { ds: clean, source } = await loadReal('ml-100k');
  const spec = benchSpec(parseBenchArgs(['--method', 'tracin-output', '--seed', String(flags.seed)]).sizes, 'ml-100k', source, flags.seed, 'ml-100k');
  const warmupEpochs = spec.valuation.method === 'tracin-output' ? spec.valuation.warmupEpochs : 4;
  const rows: string[][] = [];
  for (const setting of flags.settings.split(',')) {
    // the valuation bench's own noise draws (bench/valuation.ts settingsFor)
    const noisyData = setting === 'uniform-20' ? plantRandomItems(clean, 0.2, flags.seed * 1000 + 20, 'uniform') : naturalNoise(clean, 0);
    const { ds, noisy } = noisyData;
    const pretrained = await pretrainOn(ds, spec);
    const cfg = { ...spec.finetune, epochs: warmupEpochs };
    const warmupDir = await mkdtemp(path.join(tmpdir(), 'assay-bench-tracin-output-'));
    const trained = await finetune({ numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train }, pretrained.model, cfg, { checkpointDir: warmupDir });
    const model = trained.model;
    const itemsT = transposedItems(model);
    const [dim, classes] = itemsT.shape;
    const gradient = (h: tf.Tensor2D, y: Int32Array) => tf.sub(tf.softmax(tf.matMul(h, itemsT)), tf.oneHot(tf.tensor1d(y, 'int32'), classes)) as tf.Tensor2D;
    // S over all validation interactions, S over their unit gradients, and each user's own (h_v, G_v)
    let s = tf.zeros([dim, classes]) as tf.Tensor2D;
    let sUnit = tf.zeros([dim, classes]) as tf.Tensor2D;
    const userH = new Map<number, Float32Array>();
    const userG = new Map<number, Float32Array>();
    const n = ds.train.length;
    const joined = withValidation(ds.train, ds.valid);
    const validExamples = { indices: Int32Array.from({ length: ds.valid.length }, (_, k) => n + k), weights: new Float32Array(ds.valid.length).fill(1) };
    await forEachTargetBatch(model, { numUsers: ds.numUsers, numItems: ds.numItems, train: joined, examples: validExamples }, cfg, 64, (h, y, js) => {
      const g = gradient(h, y);
      const [next, nextUnit] = tf.tidy(() => {
        const norm = tf.mul(tf.norm(h, 2, 1, true), tf.norm(g, 2, 1, true));
        return [tf.add(s, tf.matMul(h, g, true)), tf.add(sUnit, tf.matMul(tf.div(h, norm), g, true))];
      });
      const hd = h.dataSync() as Float32Array;
      const gd = g.dataSync() as Float32Array;
      g.dispose();
      js.forEach((j, k) => { userH.set(joined.user[j]!, hd.slice(k * dim, (k + 1) * dim)); userG.set(joined.user[j]!, gd.slice(k * classes, (k + 1) * classes)); });
      tf.dispose([s, sUnit]);
      s = next as tf.Tensor2D;
      sUnit = nextUnit as tf.Tensor2D;
    });
    const variants = ['TracIn, S over all validation interactions (the method)', 'the same, divided by ‖G_j‖‖h_j‖ (gradient cosine)', 'cosine with S summed over unit validation gradients', "TracIn against the same user's validation interaction only", '−self-influence, −‖G_j‖²‖h_j‖²', '−‖G_j‖ (the gradient w.r.t. the logits)', '−loss at the final checkpoint', '‖h_j‖ (the context alone; no target)'];
    const values = variants.map(() => new Float64Array(n));
    await forEachTargetBatch(model, { numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train }, cfg, 64, (h, y, js) => {
      const g = gradient(h, y);
      const [raw, unit, gNorm, hNorm, loss] = tf.tidy(() => [
        tf.sum(tf.mul(tf.matMul(h, s), g), 1), tf.sum(tf.mul(tf.matMul(h, sUnit), g), 1), tf.norm(g, 2, 1), tf.norm(h, 2, 1),
        tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.matMul(h, itemsT)), tf.oneHot(tf.tensor1d(y, 'int32'), classes)), 1)),
      ].map((t) => t.dataSync() as Float32Array));
      const hd = h.dataSync() as Float32Array;
      const gd = g.dataSync() as Float32Array;
      g.dispose();
      js.forEach((j, k) => {
        const gh = gNorm![k]! * hNorm![k]!;
        const hv = userH.get(ds.train.user[j]!);
        const gv = userG.get(ds.train.user[j]!);
        let own = 0;
        if (hv && gv) {
          let hh = 0;
          for (let c = 0; c < dim; c++) hh += hd[k * dim + c]! * hv[c]!;
          let gg = 0;
          for (let c = 0; c < classes; c++) gg += gd[k * classes + c]! * gv[c]!;
          own = hh * gg;
        }
        [raw![k]!, raw![k]! / gh, unit![k]! / gh, own, -(gh * gh), -gNorm![k]!, -loss![k]!, hNorm![k]!].forEach((v, i) => { values[i]![j] = v; });
      });
    });
    tf.dispose([s, sUnit, itemsT]);
    disposeModel(model);
    await pretrained.dispose();
    await rm(warmupDir, { recursive: true, force: true });
    variants.forEach((label, i) => {
      const q = noiseDetectionQuality(values[i]!, noisy);
      rows.push([setting, label, q.auc.toFixed(3), q.kmeansF1.toFixed(3)]);
    });
    console.log(`${setting}: done`);
  }
  console.log(`tracin-output variants, ml-100k, seed ${flags.seed}, ${warmupEpochs} warm-up epochs; AUC of −score (below 0.5: the score ranks the noise high)`);
  console.log(markdownTable(['setting', 'score of interaction j (warm-up\'s final checkpoint)', 'AUC', 'k-means F1'], rows));
}

runIfMain(module, run);
