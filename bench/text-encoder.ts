// Benchmark: sentence-encoder throughput (items/s) on short item titles — ml-100k's real movie
// titles and a synthetic catalogue (shared/data/synthetic.ts titles, default 100k items) — with
// the ONNX Runtime encoder Assay uses, and the same forward pass in TensorFlow.js on a subset
// for the runtime comparison (docs/decisions/0002-text-encoder-runtime.md). Prints, asserts nothing.
import { dataFolder } from '../shared/data/data-folder';
import { readFile } from 'node:fs/promises';
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

const USAGE = 'usage: npm run bench -- text-encoder [--items 100000] [--batch 64] [--threads N] [--tfjs-items 1682 (0 skips TF.js)] [--ml100k <dir>]';
const flagsSchema = z.object({
  items: z.coerce.number().int().nonnegative().default(100_000),
  batch: z.coerce.number().int().positive().default(64),
  threads: z.coerce.number().int().positive().optional(),
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

async function timeEncode(label: string, encoder: SentenceEncoder, texts: readonly string[]): Promise<number> {
  const t0 = performance.now();
  await encoder.encode(texts);
  const seconds = (performance.now() - t0) / 1000;
  const rate = texts.length / seconds;
  console.log(`${label.padEnd(34)} ${String(texts.length).padStart(7)} items  ${meanTokens(encoder, texts).toFixed(1).padStart(5)} tokens/item  ${seconds.toFixed(1).padStart(7)} s  ${rate.toFixed(0).padStart(6)} items/s  → 100k in ${(100_000 / rate / 60).toFixed(1)} min`);
  return rate;
}

export async function run(args: string[]): Promise<void> {
  const flags = parseStringFlags(flagsSchema, args, USAGE);
  const t0 = performance.now();
  const encoder = await loadSentenceEncoder({ batchSize: flags.batch, ...(flags.threads ? { intraOpThreads: flags.threads } : {}) });
  console.log(`text-encoder bench: ${encoder.modelKey.slice(0, 60)}…, ${encoder.executionProvider}, batch ${flags.batch}, threads ${flags.threads ?? 'ORT default'}; load ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const titles = await ml100kTitles(flags.ml100k);
  await encoder.encode(titles.slice(0, 64)); // warm-up: first-run allocations
  const onnxRate = await timeEncode('onnxruntime  ml-100k titles', encoder, titles);
  if (flags.items > 0) {
    const catalogue = generateSynthetic({ seed: 24, users: 1, items: flags.items, categories: 24, sessionsPerUser: 1, queries: 0 }).items.map((item) => item.title);
    await timeEncode('onnxruntime  synthetic titles', encoder, catalogue);
  }

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
}
