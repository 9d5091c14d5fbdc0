// Benchmark: how well each valuation method finds planted label noise on seeded synthetic
// embeddings (two Gaussian classes, 10 % and 20 % of training labels flipped), as the
// detection AUC of −value and the k-means F1 OpenDataVal reports, next to the random baseline.
import { parseArgs } from 'node:util';
import { noiseDetectionQuality } from '../shared/valuation/detection';
import type { LabelledEmbeddings } from '../shared/valuation/input';
import { valueData, VALUATION_METHODS, type ValuationConfigs, type ValuationMethod } from '../shared/valuation/methods';
import { Sfc32 } from '../shared/random';
import { runIfMain } from './flags';

function noisyTwoClassData(rows: number, dim: number, seed: number, flipFraction: number): LabelledEmbeddings & { noisy: Uint8Array } {
  const rng = new Sfc32(seed);
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  const noisy = new Uint8Array(rows);
  // class means ±1 along a random unit direction: overlapping classes, like real embeddings
  const direction = Float64Array.from({ length: dim }, () => rng.normal());
  const norm = Math.hypot(...direction);
  for (let r = 0; r < rows; r++) {
    const y = rng.int(2);
    for (let c = 0; c < dim; c++) data[r * dim + c] = rng.normal() + ((y ? 1 : -1) * 1.5 * direction[c]!) / norm;
    const flip = rng.next() < flipFraction;
    labels[r] = flip ? 1 - y : y;
    noisy[r] = flip ? 1 : 0;
  }
  return { emb: { rows, cols: dim, data }, labels, noisy };
}

export async function run(args: string[]): Promise<void> {
  const { values: opts } = parseArgs({
    args,
    options: {
      n: { type: 'string', default: '2000' },
      m: { type: 'string', default: '500' },
      d: { type: 'string', default: '32' },
      seed: { type: 'string', default: '1' },
    },
  });
  const n = Number(opts.n);
  const m = Number(opts.m);
  const d = Number(opts.d);
  const seed = Number(opts.seed);
  const configs: { [M in ValuationMethod]: ValuationConfigs[M] } = {
    'knn-shapley': { k: 10 },
    'data-oob': { bags: 32, seed },
    tracin: {},
    loss: {},
    random: { seed },
  };
  const rows: string[][] = [];
  for (const flip of [0.1, 0.2]) {
    const train = noisyTwoClassData(n, d, seed * 100 + Math.round(flip * 100), flip);
    const valid = noisyTwoClassData(m, d, seed * 100 + 50, 0);
    const runs: [string, () => Promise<Float64Array>][] = VALUATION_METHODS.map((method) => [method, () => valueData(method, train, valid, configs[method])]);
    runs.splice(3, 0, ['tracin (−self-influence)', () => valueData('tracin', train, valid, { value: 'self' })]);
    for (const [label, value] of runs) {
      const start = performance.now();
      const values = await value();
      const seconds = (performance.now() - start) / 1000;
      const { auc, kmeansF1 } = noiseDetectionQuality(values, train.noisy);
      rows.push([`${flip * 100}%`, label, auc.toFixed(3), kmeansF1.toFixed(3), seconds.toFixed(2)]);
    }
  }
  const header = ['flipped', 'method', 'AUC', 'k-means F1', 'seconds'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  console.log(`valuation-detection bench: N=${n} train, M=${m} clean validation, d=${d}, seed=${seed}`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

runIfMain(module, run);
