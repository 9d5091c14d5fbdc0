// The pretrained sentence encoder (all-MiniLM-L6-v2): texts → L2-normalised embeddings, one row
// per text, the same vectors sentence-transformers' encode(..., normalize_embeddings) gives.
// Tokenizer: @huggingface/transformers from the local model folder, remote loading off. Encoder:
// the ONNX graph built from the safetensors weights (bert-onnx-graph.ts) run by ONNX Runtime;
// docs/decisions/0002-text-encoder-runtime.md says why ONNX Runtime and not TensorFlow.js.
// Texts are encoded in batches of similar token length so little compute goes to padding, and on
// the CPU whole batches run in parallel on worker threads (bert-encoder-pool.ts; decision 0016).

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AutoTokenizer, env as transformersEnv, type PreTrainedTokenizer } from '@huggingface/transformers';
import { z } from 'zod';
import type { Matrix } from '../data/types';
import { createScoringSession, type ExecutionProvider } from '../ml/onnx/scoring-session';
import { BertEncoderPool } from './bert-encoder-pool';
import { runBertBatch, type BertBatchRequest } from './bert-encoder-worker';
import { bertConfigSchema, buildBertEncoderModel } from './bert-onnx-graph';
import { requireTextModel, TEXT_MODEL, type TextModelLocation } from './model-location';
import { parseSafetensorsFloat32 } from './safetensors';
import { issueList } from '../config/zod-issues';

export const sentenceEncoderOptionsSchema = z.object({
  /** texts per ONNX Runtime call; batches hold texts of similar length */
  batchSize: z.number().int().positive().default(64),
  /** tokens kept per text (sentence_bert_config.json's max_seq_length); longer texts are truncated */
  maxTokens: z.number().int().min(2).max(512).default(256),
  /**
   * worker threads running batches in parallel on the CPU, each with its own session; 0 runs one
   * session on the calling thread. Default: the cores Node sees, at most DEFAULT_MAX_WORKERS
   * (each holds its own copy of the weights, ~200 MB).
   */
  workers: z.number().int().min(0).optional(),
  /** ONNX Runtime intra-op threads per session; default 1 per worker, ORT's choice on the calling thread */
  intraOpThreads: z.number().int().positive().optional(),
  /** try the CUDA execution provider first where it is installed (one session on the calling thread) */
  preferCuda: z.boolean().default(false),
});
export type SentenceEncoderOptions = z.input<typeof sentenceEncoderOptionsSchema>;

export interface SentenceEncoder {
  /** embedding width (the model's hidden size) */
  readonly dim: number;
  /** `${model id}@sha256:<safetensors digest>`: what a cached embedding was computed with */
  readonly modelKey: string;
  readonly executionProvider: ExecutionProvider;
  /** token ids per text, as the encoder sees them ([CLS] … [SEP], truncated) */
  tokenize(texts: readonly string[]): number[][];
  /** one L2-normalised row per text, in input order */
  encode(texts: readonly string[]): Promise<Matrix>;
  /** stops the worker threads (idle ones never hold the process open; this frees their memory) */
  close(): Promise<void>;
}

const DEFAULT_MAX_WORKERS = 4;

/** Runs one padded batch wherever the encoder's sessions live. */
interface BatchRunner {
  readonly executionProvider: ExecutionProvider;
  run(batch: Omit<BertBatchRequest, 'id'>): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * Loads the installed model; throws TextModelNotInstalledError (with the install command) when
 * it is not there.
 */
export async function loadSentenceEncoder(options: SentenceEncoderOptions = {}, env: Readonly<Record<string, string | undefined>> = process.env): Promise<SentenceEncoder> {
  const settings = sentenceEncoderOptionsSchema.parse(options);
  const location = requireTextModel(env);
  const [tokenizer, weightBytes, configText] = await Promise.all([
    loadLocalTokenizer(location),
    readFile(path.join(location.dir, 'model.safetensors')),
    readFile(path.join(location.dir, 'config.json'), 'utf8'),
  ]);
  const configParse = bertConfigSchema.safeParse(JSON.parse(configText));
  if (!configParse.success) throw new Error(`${path.join(location.dir, 'config.json')}: ${issueList(configParse.error)}`);
  const config = configParse.data;
  const model = buildBertEncoderModel(config, parseSafetensorsFloat32(weightBytes, path.join(location.dir, 'model.safetensors')));
  const workers = settings.workers ?? Math.min(availableParallelism(), DEFAULT_MAX_WORKERS);
  const runner = settings.preferCuda || workers === 0 ? await inProcessRunner(model, settings) : await poolRunner(model, workers, settings.intraOpThreads ?? 1);
  const modelKey = `${TEXT_MODEL.id}@sha256:${createHash('sha256').update(weightBytes).digest('hex')}`;
  const encoder = new OnnxSentenceEncoder(tokenizer, runner, config.hidden_size, modelKey, settings.batchSize, settings.maxTokens);
  unclosedRunners.register(encoder, runner, encoder);
  return encoder;
}

/**
 * An encoder dropped without close() still frees its worker threads and their copies of the
 * weights once it is garbage collected, so a long-lived process (a Temporal worker) that loads
 * one per activity does not pile them up.
 */
const unclosedRunners = new FinalizationRegistry<BatchRunner>((runner) => void runner.close().catch(() => undefined));

async function inProcessRunner(model: Uint8Array, settings: z.infer<typeof sentenceEncoderOptionsSchema>): Promise<BatchRunner> {
  const scoring = await createScoringSession(model, {
    preferCuda: settings.preferCuda,
    ...(settings.intraOpThreads ? { intraOpThreads: settings.intraOpThreads } : {}),
  });
  return {
    executionProvider: scoring.executionProvider,
    run: (batch) => runBertBatch(scoring.session, batch),
    close: () => scoring.session.release(),
  };
}

async function poolRunner(model: Uint8Array, workers: number, intraOpThreads: number): Promise<BatchRunner> {
  const pool = await BertEncoderPool.start(model, workers, intraOpThreads);
  return { executionProvider: 'cpu', run: (batch) => pool.run(batch), close: () => pool.close() };
}

async function loadLocalTokenizer(location: TextModelLocation): Promise<PreTrainedTokenizer> {
  // The library's env is process-wide; these settings only ever narrow it to local files.
  transformersEnv.allowRemoteModels = false;
  transformersEnv.allowLocalModels = true;
  transformersEnv.localModelPath = location.parent + path.sep;
  return AutoTokenizer.from_pretrained(location.name, { local_files_only: true });
}

class OnnxSentenceEncoder implements SentenceEncoder {
  readonly executionProvider: ExecutionProvider;

  constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly runner: BatchRunner,
    readonly dim: number,
    readonly modelKey: string,
    private readonly batchSize: number,
    private readonly maxTokens: number,
  ) {
    this.executionProvider = runner.executionProvider;
  }

  tokenize(texts: readonly string[]): number[][] {
    if (texts.length === 0) return [];
    const { input_ids } = this.tokenizer([...texts], { padding: false, truncation: true, max_length: this.maxTokens, return_tensor: false }) as unknown as { input_ids: number[][] };
    return input_ids;
  }

  async encode(texts: readonly string[]): Promise<Matrix> {
    const out: Matrix = { rows: texts.length, cols: this.dim, data: new Float32Array(texts.length * this.dim) };
    const ids = this.tokenize(texts);
    // shortest first, so each batch pads to a length close to all of its texts
    const order = Int32Array.from(ids.keys()).sort((a, b) => ids[a]!.length - ids[b]!.length);
    const batches: Promise<void>[] = [];
    for (let start = 0; start < order.length; start += this.batchSize) {
      const batch = order.subarray(start, Math.min(order.length, start + this.batchSize));
      batches.push(
        this.runner.run(packBatch(Array.from(batch, (row) => ids[row]!))).then((embeddings) => {
          batch.forEach((row, i) => out.data.set(embeddings.subarray(i * this.dim, (i + 1) * this.dim), row * this.dim));
        }),
      );
    }
    await Promise.all(batches);
    return out;
  }

  close(): Promise<void> {
    unclosedRunners.unregister(this);
    return this.runner.close();
  }
}

/** token rows → input_ids and attention_mask [rows, longest], 0-padded on the right */
function packBatch(batch: readonly number[][]): Omit<BertBatchRequest, 'id'> {
  const seq = batch.reduce((max, row) => Math.max(max, row.length), 0);
  const inputIds = new BigInt64Array(batch.length * seq);
  const attentionMask = new BigInt64Array(batch.length * seq);
  batch.forEach((row, r) => {
    for (let t = 0; t < row.length; t++) {
      inputIds[r * seq + t] = BigInt(row[t]!);
      attentionMask[r * seq + t] = 1n;
    }
  });
  return { inputIds, attentionMask, rows: batch.length, seq };
}
