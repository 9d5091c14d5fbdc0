// Benchmark: sentence-encoder throughput (items/s) on short item titles — ml-100k's real movie
// titles and a synthetic catalogue (shared/data/synthetic.ts titles, default 100k items) — with
// the ONNX Runtime encoder Assay uses, and the same forward pass in TensorFlow.js on a subset
// for the runtime comparison (docs/decisions/0002-text-encoder-runtime.md). Also times, on the
// same synthetic titles and in alternating chunks so the shared host's load falls on both alike,
// the encoder against one session on the calling thread with ONNX Runtime's own thread count
// (the setup before decision 0016), and prints the ratio. Prints, asserts nothing.
// CPU time is the process's (worker threads included): on a host shared with other jobs it says
// what a run costs, while wall time says what share of the cores the run got.
import { dataFolder } from '../shared/data/data-folder';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { generateSynthetic } from '../shared/data/synthetic';
import { selectBackend } from '../shared/ml/backend';
import { bertConfigSchema } from '../shared/text/bert-onnx-graph';
import { requireTextModel } from '../shared/text/model-location';
import { readSafetensorsFloat32 } from '../shared/text/safetensors';
import { loadSentenceEncoder, type SentenceEncoder } from '../shared/text/sentence-encoder';
import { parseStringFlags } from './flags';
import { buildTfjsBert } from './text-encoder-tfjs';

const USAGE =
  'usage: npm run bench -- text-encoder [--items 100000] [--batch 64] [--workers N (0: calling thread)] [--threads N (per session)] [--baseline-items 6000 (0 skips the before/after ratio)] [--tfjs-items 1682 (0 skips TF.js)] [--ml100k <dir>]';
const flagsSchema = z.object({
  items: z.coerce.number().int().nonnegative().default(100_000),
  batch: z.coerce.number().int().positive().default(64),
  workers: z.coerce.number().int().nonnegative().optional(),
  threads: z.coerce.number().int().positive().optional(),
  'baseline-items': z.coerce.number().int().nonnegative().default(6000),
  'tfjs-items': z.coerce.number().int().nonnegative().default(1682),
  ml100k: z.string().default(path.join(dataFolder(), 'ml-100k')),
});

/** ml-100k item text as the bench encodes it: "Title (year)". */
async function ml100kTitles(dir: string): Promise<string[]> {
  const lines = (await readFile(path.join(dir, 'ml-100k.item'), 'utf8')).split('\n').slice(1);
  return lines.filter((line) => line.trim() !== '').map((line) => {
    const [, title, year] = line.split('\t');
    return year ? `${title} (${year})` : title!;
  });
}

function meanTokens(encoder: SentenceEncoder, texts: readonly string[]): number {
  return encoder.tokenize(texts).reduce((sum, ids) => sum + ids.length, 0) / Math.max(1, texts.length);
}

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

async function timed(encoder: SentenceEncoder, texts: readonly string[]): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await encoder.encode(texts);
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const minutes = (seconds: number): string => `${(seconds / 60).toFixed(1)} min`;

/** items/s, CPU time, the share of cores the run got, and 100k titles at this run's rate and on two idle cores */
function report(label: string, items: number, tokensPerItem: number, timing: Timing): number {
  const rate = items / timing.seconds;
  const cpuPer100k = (timing.cpuSeconds / items) * 100_000;
  console.log(
    `${label.padEnd(34)} ${String(items).padStart(7)} items  ${tokensPerItem.toFixed(1).padStart(5)} tokens/item  ${timing.seconds.toFixed(1).padStart(7)} s  ${rate.toFixed(0).padStart(6)} items/s  ` +
      `CPU ${timing.cpuSeconds.toFixed(1)} s (${(timing.cpuSeconds / timing.seconds).toFixed(2)} cores)  → 100k: ${minutes(100_000 / rate)} at this rate, ${minutes(cpuPer100k / 2)} of CPU time on 2 cores`,
  );
  return rate;
}

async function timeEncode(label: string, encoder: SentenceEncoder, texts: readonly string[]): Promise<number> {
  return report(label, texts.length, meanTokens(encoder, texts), await timed(encoder, texts));
}

/** Both encoders on the same texts, in alternating chunks (first one first, then the other first). */
async function compare(current: SentenceEncoder, before: SentenceEncoder, texts: readonly string[]): Promise<void> {
  const chunk = 1000;
  const sums = [
    { encoder: current, label: 'onnxruntime  synthetic, this code', seconds: 0, cpuSeconds: 0 },
    { encoder: before, label: 'onnxruntime  synthetic, before', seconds: 0, cpuSeconds: 0 },
  ];
  for (let start = 0, round = 0; start < texts.length; start += chunk, round++) {
    const part = texts.slice(start, start + chunk);
    for (const sum of round % 2 === 0 ? sums : [...sums].reverse()) {
      const timing = await timed(sum.encoder, part);
      sum.seconds += timing.seconds;
      sum.cpuSeconds += timing.cpuSeconds;
    }
  }
  const tokens = meanTokens(current, texts);
  const [now, then] = sums.map((sum) => report(sum.label, texts.length, tokens, sum)) as [number, number];
  console.log(`this code / before, same titles, alternating ${chunk}-title chunks: ${(now / then).toFixed(2)}× items/s, ${(sums[1]!.cpuSeconds / sums[0]!.cpuSeconds).toFixed(2)}× less CPU time`);
}

export async function run(args: string[]): Promise<void> {
  const flags = parseStringFlags(flagsSchema, args, USAGE);
  const t0 = performance.now();
  const encoder = await loadSentenceEncoder({
    batchSize: flags.batch,
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.threads ? { intraOpThreads: flags.threads } : {}),
  });
  console.log(
    `text-encoder bench: ${encoder.modelKey.slice(0, 60)}…, ${encoder.executionProvider}, batch ${flags.batch}, workers ${flags.workers ?? 'default'}, ` +
      `threads per session ${flags.threads ?? 'default'}; load ${((performance.now() - t0) / 1000).toFixed(1)} s; host load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );

  const titles = await ml100kTitles(flags.ml100k);
  await encoder.encode(titles.slice(0, 256)); // warm-up: first-run allocations, every worker
  const onnxRate = await timeEncode('onnxruntime  ml-100k titles', encoder, titles);
  const catalogue = generateSynthetic({ seed: 24, users: 1, items: Math.max(flags.items, flags['baseline-items']), categories: 24, sessionsPerUser: 1, queries: 0 }).items.map((item) => item.title);
  if (flags['baseline-items'] > 0) {
    const before = await loadSentenceEncoder({ batchSize: flags.batch, workers: 0 });
    await before.encode(titles.slice(0, 256));
    await compare(encoder, before, catalogue.slice(0, flags['baseline-items']));
    await before.close();
  }
  if (flags.items > 0) await timeEncode('onnxruntime  synthetic titles', encoder, catalogue.slice(0, flags.items));
  console.log(`host load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  if (flags['tfjs-items'] > 0) {
    const backend = await selectBackend(undefined, () => undefined);
    const location = requireTextModel();
    const config = bertConfigSchema.parse(JSON.parse(await readFile(path.join(location.dir, 'config.json'), 'utf8')));
    const bert = buildTfjsBert(config, await readSafetensorsFloat32(path.join(location.dir, 'model.safetensors')));
    const subset = titles.slice(0, flags['tfjs-items']);
    const ids = encoder.tokenize(subset);
    const order = Array.from(ids.keys()).sort((a, b) => ids[a]!.length - ids[b]!.length);
    const reference = await encoder.encode(subset);
    await bert.encodeBatch(order.slice(0, flags.batch).map((row) => ids[row]!)); // warm-up
    let worstCosine = 1;
    const started = performance.now();
    for (let start = 0; start < order.length; start += flags.batch) {
      const batch = order.slice(start, start + flags.batch);
      const out = await bert.encodeBatch(batch.map((row) => ids[row]!));
      batch.forEach((row, i) => {
        let dot = 0;
        for (let c = 0; c < encoder.dim; c++) dot += out[i * encoder.dim + c]! * reference.data[row * encoder.dim + c]!;
        worstCosine = Math.min(worstCosine, dot);
      });
    }
    const seconds = (performance.now() - started) / 1000;
    const rate = subset.length / seconds;
    console.log(`${`tfjs (${backend.name})  ml-100k titles`.padEnd(34)} ${String(subset.length).padStart(7)} items  ${meanTokens(encoder, subset).toFixed(1).padStart(5)} tokens/item  ${seconds.toFixed(1).padStart(7)} s  ${rate.toFixed(0).padStart(6)} items/s  → 100k in ${(100_000 / rate / 60).toFixed(1)} min  (min cosine vs ONNX ${worstCosine.toFixed(6)})`);
    console.log(`onnxruntime / tfjs on ml-100k titles: ${(onnxRate / rate).toFixed(1)}×`);
  }
  await encoder.close();
}
