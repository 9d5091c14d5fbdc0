// Benchmark: training throughput of the default config on ml-100k (pretraining and fine-tuning,
// examples/s) and the GFLOP/s the training steps achieve, next to the backend's own matMul
// GFLOP/s on shapes from the same model measured in the same run (./matmul.ts), and to the
// SIMD kernels' product that the steps run instead where they can; ratios are against the
// fastest of these — on one thread, and with `--threads N` also N data-parallel threads
// against N threads multiplying at once, so a two-thread run is never credited against a
// one-thread figure. The timed runs follow a few untimed warm-up steps; the reference products
// are measured right before and right after each run, each shape's faster figure kept; with
// `--repeats N` the runs repeat and the median ratio is printed (the host is shared, and one
// run moves by ±10 %). First comes the peak memory
// (process RSS, sampled between batches) of pretraining the default config on the largest
// shipped dataset, amazon-beauty, for a capped number of batches. Prints figures (with the
// 1-minute load average: the host is shared), asserts nothing.
//
// FLOPs are counted analytically, matmuls only (2 flops per multiply-add), per batch of B rows
// of length L (the longest row of the batch: rows are padded to it), hidden size d, FFN width
// f = d·ffnMultiplier, `layers` blocks, M predicted positions, C candidate classes:
//   per block:  Q, K, V, O projections  4 · 2·B·L·d·d   = 8·B·L·d²
//               Q·Kᵀ and attn·V (all heads) 2 · 2·B·L²·d = 4·B·L²·d, or 4·B·L(L+1)/2·d when
//               causal (fine-tuning): only the query–key pairs a position may attend to
//               FFN W1 and W2            2 · 2·B·L·d·f   = 4·B·L·d·f
//   output:     full softmax  2·M·C·d;  sampled with K negatives  2·M·(K+1)·d
//   forward + backward ≈ 3 × forward (each matmul's backward is two matmuls of the same size).
// Not counted: layer norms, softmax, GELU, the embedding gather and its scatter-add gradient,
// Adam — element-wise work that is real time but no matmul flops, so the ratio below is
// "share of wall time spent at matmul speed", an upper bound on what kernel tuning alone buys.
// L and M are exact per batch for fine-tuning (rows and batches reproduced from the seeded
// epoch order); for pretraining L is exact and M is the expectation of the random masking
// (n·p + (1−p)ⁿ per window: the mask rate plus the forced mask when none was drawn), and the
// joint text batch's length is the expected longest of `text.batchSize` draws.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseStringFlags, runIfMain } from './flags';
import { loadSource, preprocess, type SplitDataset, type UserSequences } from '../shared/data';
import { selectBackend } from '../shared/ml/backend';
import { FinetuneConfigSchema, PretrainConfigSchema, type EncoderConfig, type LossConfig } from '../shared/ml/config';
import { disposeModel } from '../shared/ml/encoder';
import { finetune, finetuneRows, timeOrder } from '../shared/ml/finetune';
import { pretrain, sequenceWindows } from '../shared/ml/pretrain';
import { epochBatches, epochRandom } from '../shared/ml/training-loop';
import type { TokenCsr } from '../shared/ml/vocabulary';
import { historyOf, itemTextTokens } from '../shared/pipeline/steps/dataset-input';
import { setKernelsEnabled } from '../shared/ml/wasm/kernels';
import { matMulGflops, parallelMatMulGflops, type Product } from './matmul';
import { realSource } from './valuation/datasets';

const USAGE = 'usage: npm run bench -- throughput [--epochs N] [--memory-batches N] [--kernels on|off|both] [--threads N] [--repeats N] [--seed N]';

const count = (min: number) => z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(min, `must be at least ${min}`);
const FlagsSchema = z.object({
  /** epochs timed for each of pretraining and fine-tuning on ml-100k */
  epochs: count(1).default(1),
  /** amazon-beauty pretraining batches run while sampling RSS (0 skips the memory figure) */
  'memory-batches': count(0).default(40),
  /** train with the SIMD kernels (on), on tfjs ops only (off), or both in turn, for the speed-up */
  kernels: z.enum(['on', 'off', 'both'], { error: 'must be on, off or both' }).default('both'),
  /** also train with this many data-parallel threads (1: one thread only) */
  threads: count(1).max(32, 'must be at most 32').default(2),
  /** time the training runs this many times, each between two measurements of its reference products, and print the median ratio */
  repeats: count(1).max(20, 'must be at most 20').default(1),
  seed: count(0).default(42),
});
type Flags = z.infer<typeof FlagsSchema>;

export const parseFlags = (args: string[]): Flags => parseStringFlags(FlagsSchema, args, USAGE);

const load1 = (): string => loadavg()[0]!.toFixed(1);

/** Forward matmul flops of the encoder on B rows of length L (header formula). */
function encoderFlops(e: EncoderConfig, rows: number, len: number): number {
  const d = e.dim;
  const f = d * e.ffnMultiplier;
  const pairs = e.causal ? (len * (len + 1)) / 2 : len * len;
  return e.layers * (8 * rows * len * d * d + 4 * rows * pairs * d + 4 * rows * len * d * f);
}

function outputFlops(loss: LossConfig, predicted: number, classes: number, d: number): number {
  return loss.kind === 'full' || loss.negatives >= classes ? 2 * predicted * classes * d : 2 * predicted * (loss.negatives + 1) * d;
}

/** Batches of sample indices in the order the training loop draws them for `epoch`. */
/** The batches the training loop draws in `epoch` (same generator, same length bucketing). */
function loopBatches(numSamples: number, batchSize: number, seed: number, epoch: number, lengthOf: (sample: number) => number): Int32Array[] {
  return epochBatches(numSamples, batchSize, epochRandom(seed, epoch), lengthOf);
}

/** E[max of n uniform draws (with replacement)] of the given lengths: Σ_ℓ≥1 P(max ≥ ℓ) = Σ (1 − F(ℓ−1)ⁿ). */
function expectedLongest(lengths: Int32Array, n: number): number {
  const longest = lengths.reduce((a, b) => Math.max(a, b), 0);
  const atMost = new Float64Array(longest + 1);
  for (const l of lengths) atMost[l]! += 1 / lengths.length;
  for (let l = 1; l <= longest; l++) atMost[l]! += atMost[l - 1]!;
  let expectation = 0;
  for (let l = 1; l <= longest; l++) expectation += 1 - atMost[l - 1]! ** n;
  return expectation;
}

/** Matmul flops (forward + backward) of `epochs` pretraining epochs, with the batch count. */
function pretrainFlops(seqs: UserSequences, numItems: number, text: TokenCsr | undefined, cfg: ReturnType<typeof PretrainConfigSchema.parse>, epochs: number) {
  const e = cfg.encoder;
  const windows = sequenceWindows(seqs, e.maxLen);
  const p = cfg.maskProb;
  // text batch (same for every step in expectation): items that have text, truncated to maxTokens
  let textPerStep = 0;
  if (text && cfg.text.weight > 0) {
    const lens: number[] = [];
    for (let i = 0; i < numItems; i++) {
      const t = Math.min(cfg.text.maxTokens, text.offsets[i + 1]! - text.offsets[i]!);
      if (t > 0) lens.push(t);
    }
    if (lens.length > 0) {
      const rows = Math.min(cfg.text.batchSize, lens.length);
      const len = 1 + expectedLongest(Int32Array.from(lens), rows);
      const masked = (rows / lens.length) * lens.reduce((s, t) => s + t * cfg.text.maskProb + (1 - cfg.text.maskProb) ** t, 0);
      textPerStep = encoderFlops(e, rows, len) + outputFlops(cfg.loss, masked, text.vocabSize, e.dim);
    }
  }
  let flops = 0;
  let batches = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of loopBatches(windows.start.length, cfg.batchSize, cfg.seed, epoch, (w) => windows.end[w]! - windows.start[w]!)) {
      let len = 1;
      let masked = 0;
      for (const w of batch) {
        const n = windows.end[w]! - windows.start[w]!;
        len = Math.max(len, n);
        masked += n * p + (1 - p) ** n;
      }
      flops += encoderFlops(e, batch.length, len) + outputFlops(cfg.loss, masked, numItems, e.dim) + textPerStep;
      batches++;
    }
  }
  return { flops: 3 * flops, batches, windows: windows.start.length, textPerStep: 3 * textPerStep };
}

/** Matmul flops (forward + backward) of `epochs` fine-tuning epochs over every train interaction. */
function finetuneFlops(ds: SplitDataset, encoder: EncoderConfig, cfg: ReturnType<typeof FinetuneConfigSchema.parse>, epochs: number) {
  const order = timeOrder(ds.train, ds.numUsers);
  const rows = finetuneRows(order, () => 1, new Float32Array(ds.train.length).fill(1), encoder.maxLen);
  let flops = 0;
  let targets = 0;
  let batches = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of loopBatches(rows.start.length, cfg.batchSize, cfg.seed, epoch, (r) => rows.inputs[r]!)) {
      let len = 2;
      let m = 0;
      for (const r of batch) {
        const n = rows.end[r]! - rows.start[r]!;
        len = Math.max(len, rows.inputs[r]!);
        m += n;
      }
      flops += encoderFlops({ ...encoder, causal: true }, batch.length, len) + outputFlops(cfg.loss, m, ds.numItems, encoder.dim);
      targets += m;
      batches++;
    }
  }
  return { flops: 3 * flops, batches, rows: rows.start.length, meanTargetsPerBatch: targets / batches };
}

async function loadLeaveLastOut(name: 'ml-100k' | 'amazon-beauty'): Promise<SplitDataset> {
  const source = realSource(name);
  return (await preprocess(await loadSource(source), source.preprocess)).dataset;
}

/** Untimed steps of each mode before the timed runs. */
const WARM_UP_STEPS = 5;

interface TimedMode {
  readonly kernels: 'on' | 'off';
  readonly threads: number;
  readonly preSeconds: number;
  readonly preLoad: string;
  readonly preLoop: number;
  readonly ftSeconds: number;
  readonly ftLoad: string;
  readonly ftLoop: number;
}

/** The reference products of one repetition: [product][shape] GFLOP/s on one thread, and on `threads` at once. */
interface Reference {
  readonly single: number[][];
  readonly parallel: number[][];
  readonly load: string;
}

/** One thread with and without the kernels (their speed-up), then the same on `threads` threads. */
function trainingModes(flags: Flags): Array<{ kernels: 'on' | 'off'; threads: number }> {
  const kernelModes = flags.kernels === 'both' ? (['off', 'on'] as const) : [flags.kernels];
  const modes: Array<{ kernels: 'on' | 'off'; threads: number }> = kernelModes.map((kernels) => ({ kernels, threads: 1 }));
  if (flags.threads > 1) modes.push({ kernels: kernelModes[kernelModes.length - 1]!, threads: flags.threads });
  return modes;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function trainingThroughput(flags: Flags, scratch: string): Promise<void> {
  const ds = await loadLeaveLastOut('ml-100k');
  const preCfg = PretrainConfigSchema.parse({ epochs: flags.epochs, seed: flags.seed });
  const ftCfg = FinetuneConfigSchema.parse({ epochs: flags.epochs, seed: flags.seed });
  const e = preCfg.encoder;
  const seqs = historyOf(ds, false);
  const text = itemTextTokens(ds);
  console.log(`ml-100k (${ds.numUsers} users, ${ds.numItems} items, ${ds.train.length} train interactions, item text ${text ? `${text.vocabSize} tokens` : 'none'}), default config:`);
  console.log(`  encoder dim ${e.dim}, ${e.layers} blocks, ffn ×${e.ffnMultiplier}, maxLen ${e.maxLen}; pretrain batch ${preCfg.batchSize}, fine-tune batch ${ftCfg.batchSize}, ${preCfg.loss.kind} softmax; ${flags.epochs} epoch(s) each`);

  const preCount = pretrainFlops(seqs, ds.numItems, text, preCfg, flags.epochs);
  const ftCount = finetuneFlops(ds, e, ftCfg, flags.epochs);
  // the output layer's matmul is the largest single shape of fine-tuning: [targets × d]·[d × items]
  const shapes: Array<[string, number, number, number]> = [
    ['fine-tune output layer', Math.round(ftCount.meanTargetsPerBatch), e.dim, ds.numItems],
    ['FFN', preCfg.batchSize * e.maxLen, e.dim, e.dim * e.ffnMultiplier],
  ];
  // the kernels' product too: training runs it instead of the backend's where it can, and a
  // ratio against the slower of the two would flatter the steps
  const products: Product[] = flags.kernels === 'off' ? ['backend'] : ['backend', 'kernels'];

  const timeModes = async (repetition: number): Promise<TimedMode[]> => {
    const timed: TimedMode[] = [];
    for (const { kernels, threads } of trainingModes(flags)) {
      setKernelsEnabled(kernels === 'on');
      const dir = path.join(scratch, `run-${repetition}-kernels-${kernels}-threads-${threads}`);
      let started = performance.now();
      const pre = await pretrain({ numItems: ds.numItems, sequences: seqs, itemText: text }, { ...preCfg, threads }, { checkpointDir: path.join(dir, 'pretrain') });
      const preSeconds = (performance.now() - started) / 1000;
      const preLoad = load1();
      started = performance.now();
      const ft = await finetune({ numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train }, pre.model, { ...ftCfg, threads }, { checkpointDir: path.join(dir, 'finetune') });
      const ftSeconds = (performance.now() - started) / 1000;
      timed.push({ kernels, threads, preSeconds, preLoad, preLoop: pre.examplesPerSecond, ftSeconds, ftLoad: load1(), ftLoop: ft.examplesPerSecond });
      disposeModel(pre.model);
      disposeModel(ft.model);
    }
    setKernelsEnabled(true);
    return timed;
  };
  const measureReference = async (): Promise<Reference> => {
    const single = products.map((product) => shapes.map(([, m, k, n]) => matMulGflops(m, k, n, product)));
    const parallel: number[][] = [];
    for (const product of flags.threads > 1 ? products : []) parallel.push(await Promise.all(shapes.map(([, m, k, n]) => parallelMatMulGflops(m, k, n, flags.threads, product))));
    return { single, parallel, load: load1() };
  };
  const fasterOf = (a: Reference, b: Reference): Reference => ({
    single: a.single.map((row, p) => row.map((g, i) => Math.max(g, b.single[p]![i]!))),
    parallel: a.parallel.map((row, p) => row.map((g, i) => Math.max(g, b.parallel[p]![i]!))),
    load: b.load,
  });
  /** The fastest product of the repetition (every product, or the backend's own only), on `threads` threads. */
  const referenceOf = (ref: Reference, threads: number, only?: Product): number => {
    const rows = threads > 1 ? ref.parallel : ref.single;
    return Math.max(...rows.filter((_, p) => only === undefined || products[p] === only).flat());
  };

  // a few steps of each mode first, untimed: the first steps of a process pay for compiling the
  // kernels and JIT-compiling the loops, which are no part of a step's cost
  for (const { kernels, threads } of trainingModes(flags)) {
    setKernelsEnabled(kernels === 'on');
    const dir = path.join(scratch, `warm-up-kernels-${kernels}-threads-${threads}`);
    const stopAfter = (steps: number) => {
      let taken = 0;
      return () => taken++ >= steps;
    };
    const pre = await pretrain({ numItems: ds.numItems, sequences: seqs, itemText: text }, { ...preCfg, threads, epochs: 1 }, { checkpointDir: path.join(dir, 'pretrain'), shouldStop: stopAfter(WARM_UP_STEPS) });
    const ft = await finetune({ numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train }, pre.model, { ...ftCfg, threads, epochs: 1 }, { checkpointDir: path.join(dir, 'finetune'), shouldStop: stopAfter(WARM_UP_STEPS) });
    disposeModel(pre.model);
    disposeModel(ft.model);
  }
  setKernelsEnabled(true);

  const ratios: Array<{ what: string; fastest: number; backend: number }> = [];
  for (let repetition = 1; repetition <= flags.repeats; repetition++) {
    if (flags.repeats > 1) console.log(`  run ${repetition} of ${flags.repeats}:`);
    // the products before and after the runs, each shape's faster figure kept: a stall of the
    // shared host in one window then cannot lower the reference (it can only raise the bar)
    const before = await measureReference();
    const timed = await timeModes(repetition);
    const ref = fasterOf(before, await measureReference());
    const line = (what: string, examples: number, unit: string, seconds: number, flops: number, load: string, threads: number) => {
      const gflops = flops / seconds / 1e9;
      const fastest = (100 * gflops) / referenceOf(ref, threads);
      const backend = (100 * gflops) / referenceOf(ref, threads, 'backend');
      ratios.push({ what, fastest, backend });
      const versusOne = threads > 1 ? `, ${((100 * gflops) / referenceOf(ref, 1)).toFixed(0)}% of the one-thread figure` : '';
      const versusBackend = products.length > 1 ? ` (${backend.toFixed(0)}% of the backend's own)` : '';
      console.log(`  ${what.padEnd(32)} ${(examples / seconds).toFixed(0).padStart(6)} ${unit}/s  ${seconds.toFixed(1).padStart(6)} s  ${(flops / 1e9).toFixed(0).padStart(5)} GFLOP  ${gflops.toFixed(2).padStart(6)} GFLOP/s  = ${fastest.toFixed(0).padStart(3)}% of the fastest ${threads > 1 ? `${threads}-thread` : 'one-thread'} matMul figure${versusBackend}${versusOne}  [load ${load}]`);
    };
    for (const t of timed) {
      const how = `${t.kernels === 'on' ? 'SIMD kernels' : 'tfjs ops'}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`;
      line(`pretrain, ${how}`, preCount.windows * flags.epochs, 'windows', t.preSeconds, preCount.flops, t.preLoad, t.threads);
      console.log(`  ${''.padEnd(32)} (${preCount.batches} steps; ${(preCount.windows * flags.epochs / t.preSeconds * (seqs.items.length / preCount.windows)).toFixed(0)} sequence items/s; loop's own figure ${t.preLoop.toFixed(0)} windows/s; text batch ${(preCount.textPerStep / 1e9).toFixed(2)} GFLOP of each step)`);
      line(`fine-tune, ${how}`, ds.train.length * flags.epochs, 'examples', t.ftSeconds, ftCount.flops, t.ftLoad, t.threads);
      console.log(`  ${''.padEnd(32)} (${ftCount.batches} steps of ${ftCount.rows} rows / ${ftCfg.batchSize}; loop's own figure ${t.ftLoop.toFixed(0)} examples/s)`);
    }
    const find = (kernels: 'on' | 'off', threads: number) => timed.find((t) => t.kernels === kernels && t.threads === threads);
    const [off, on] = [find('off', 1), find('on', 1)];
    if (off && on) console.log(`  speed-up of the SIMD kernels, same run: pretrain ×${(off.preSeconds / on.preSeconds).toFixed(2)}, fine-tune ×${(off.ftSeconds / on.ftSeconds).toFixed(2)}`);
    const one = timed.find((t) => t.threads === 1 && t.kernels === timed[timed.length - 1]!.kernels);
    const many = timed.find((t) => t.threads > 1);
    if (one && many) console.log(`  speed-up of ${many.threads} data-parallel threads, same run: pretrain ×${(one.preSeconds / many.preSeconds).toFixed(2)}, fine-tune ×${(one.ftSeconds / many.ftSeconds).toFixed(2)}`);
    products.forEach((product, p) => {
      const figures = shapes.map(([name, m, k, n], i) => `[${m}×${k}]·[${k}×${n}] (${name}) ${ref.single[p]![i]!.toFixed(2)} GFLOP/s${ref.parallel[p] === undefined ? '' : `, ${ref.parallel[p]![i]!.toFixed(2)} on ${flags.threads} threads at once`}`);
      console.log(`  ${product === 'backend' ? 'backend matMul' : "the SIMD kernels' product (training's)"}, measured right before and after (best product): ${figures.join('; ')}  [load ${ref.load}]`);
    });
    console.log(`  ratios are against the fastest of these: ${referenceOf(ref, 1).toFixed(2)} GFLOP/s on one thread${flags.threads > 1 ? `, ${referenceOf(ref, flags.threads).toFixed(2)} GFLOP/s on ${flags.threads}` : ''} (target ≥ 60%)`);
  }
  if (flags.repeats > 1) {
    // the host is shared: one run moves ±10 %, so the figure to read is the median of the runs
    console.log(`  over ${flags.repeats} runs, each against the products measured around it — median (range) of the fastest figure; of the backend's own:`);
    for (const what of [...new Set(ratios.map((r) => r.what))]) {
      const of = ratios.filter((r) => r.what === what);
      const fastest = of.map((r) => r.fastest);
      const backend = of.map((r) => r.backend);
      console.log(`  ${what.padEnd(32)} ${median(fastest).toFixed(0).padStart(3)}% (${Math.min(...fastest).toFixed(0)}–${Math.max(...fastest).toFixed(0)}%); ${median(backend).toFixed(0)}% (${Math.min(...backend).toFixed(0)}–${Math.max(...backend).toFixed(0)}%)`);
    }
  }
}

async function peakMemory(flags: Flags, scratch: string): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const ds = await loadLeaveLastOut('amazon-beauty');
  const cfg = PretrainConfigSchema.parse({ seed: flags.seed, epochs: 1 });
  let peak = process.memoryUsage().rss;
  let batches = 0;
  const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  try {
    await pretrain({ numItems: ds.numItems, sequences: historyOf(ds, false), itemText: itemTextTokens(ds) }, cfg, {
      checkpointDir: path.join(scratch, 'memory'),
      // polled between batches, where the step's tensors are at their largest just before disposal
      shouldStop: () => {
        sample();
        return batches++ >= flags['memory-batches'];
      },
    });
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const windows = sequenceWindows(historyOf(ds, false), cfg.encoder.maxLen).start.length;
  console.log(`amazon-beauty (${ds.numUsers} users, ${ds.numItems} items), default pretrain config (batch ${cfg.batchSize}, maxLen ${cfg.encoder.maxLen}, ${cfg.loss.kind} softmax), first ${flags['memory-batches']} of ${Math.ceil(windows / cfg.batchSize)} batches of epoch 1:`);
  console.log(`  peak RSS (sampled every 50 ms and between batches) ${mb(peak)}; RSS before loading the data ${mb(rssBefore)}; kernel max RSS of the process ${mb(process.resourceUsage().maxRSS * 1024)}; ${(seconds / Math.max(1, flags['memory-batches'])).toFixed(2)} s/batch  [load ${load1()}]`);
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const backend = await selectBackend(undefined, () => undefined);
  const wasm = backend.name === 'wasm' ? `, SIMD ${String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))}, multithread ${String(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))}` : '';
  console.log(`throughput bench: tfjs backend ${backend.name} (${backend.device}${wasm}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const scratch = await mkdtemp(path.join(tmpdir(), 'assay-throughput-'));
  try {
    // memory first, so the peak is not inflated by the WASM heap the ml-100k runs grew (it never shrinks)
    if (flags['memory-batches'] > 0) await peakMemory(flags, scratch);
    await trainingThroughput(flags, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

runIfMain(module, run);
