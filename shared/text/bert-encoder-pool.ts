// Runs the BERT graph's batches on worker threads, one ONNX Runtime session per thread with its
// own intra-op threads (1 by default), each taking the next batch when it has room. Whole batches
// in parallel keep every core busy without ORT's per-operator thread barriers, which on short
// titles cost more than they give and stall whenever the host's other jobs take a core
// (docs/decisions/0016-text-encoder-batch-threads.md has the measurements).
// Idle workers do not keep the process alive: a worker is ref'd only while it has batches.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/worker';
import type { BertBatchRequest, BertEncoderWorkerData, BertEncoderWorkerReply } from './bert-encoder-worker';

/** batches a worker holds at once: one running, one queued behind it so it never waits on us */
const IN_FLIGHT_PER_WORKER = 2;

interface Pending {
  readonly request: BertBatchRequest;
  readonly resolve: (embeddings: Float32Array) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly running: Map<number, Pending>;
}

export class BertEncoderPool {
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private broken: Error | undefined;

  private constructor(private readonly slots: readonly Slot[]) {
    for (const slot of slots) {
      slot.worker.on('message', (reply: BertEncoderWorkerReply) => this.onReply(slot, reply));
      slot.worker.on('error', (error) => this.fail(new Error(`sentence encoder worker failed: ${error.message}`)));
      slot.worker.on('exit', (code) => this.fail(new Error(`sentence encoder worker exited (code ${code})`)));
      slot.worker.unref();
    }
  }

  /** Starts `workers` threads, each building its own session from `model`; resolves when all are ready. */
  static async start(model: Uint8Array, workers: number, intraOpThreads: number): Promise<BertEncoderPool> {
    const data: BertEncoderWorkerData = { model, intraOpThreads };
    const started = Array.from({ length: workers }, () => startWorker(__filename, 'bert-encoder-worker', data));
    try {
      await Promise.all(started.map((worker) => ready(worker)));
    } catch (error) {
      await Promise.all(started.map((worker) => worker.terminate()));
      throw error;
    }
    return new BertEncoderPool(started.map((worker) => ({ worker, running: new Map() })));
  }

  get size(): number {
    return this.slots.length;
  }

  /** [rows, hidden] embeddings of one padded batch (input_ids / attention_mask [rows, seq]). */
  run(batch: Omit<BertBatchRequest, 'id'>): Promise<Float32Array> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...batch, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('sentence encoder closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (;;) {
      const slot = this.slots.reduce((best, candidate) => (candidate.running.size < best.running.size ? candidate : best));
      if (slot.running.size >= IN_FLIGHT_PER_WORKER || this.queue.length === 0) return;
      const pending = this.queue.shift()!;
      if (slot.running.size === 0) slot.worker.ref();
      slot.running.set(pending.request.id, pending);
      const { inputIds, attentionMask } = pending.request;
      slot.worker.postMessage(pending.request, [inputIds.buffer as ArrayBuffer, attentionMask.buffer as ArrayBuffer]);
    }
  }

  private onReply(slot: Slot, reply: BertEncoderWorkerReply): void {
    if (reply.kind !== 'done' && reply.kind !== 'error') return;
    const pending = slot.running.get(reply.id);
    if (!pending) return;
    slot.running.delete(reply.id);
    if (slot.running.size === 0) slot.worker.unref();
    if (reply.kind === 'done') pending.resolve(reply.embeddings);
    else pending.reject(new Error(`sentence encoder batch of ${pending.request.rows}×${pending.request.seq} tokens failed: ${reply.message}`));
    this.dispatch();
  }

  /** Rejects everything queued or running; later runs reject with the same reason. */
  private fail(error: Error): void {
    this.broken ??= error;
    for (const slot of this.slots) {
      for (const pending of slot.running.values()) pending.reject(this.broken);
      slot.running.clear();
      slot.worker.unref();
    }
    for (const pending of this.queue.splice(0)) pending.reject(this.broken);
  }
}

function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: BertEncoderWorkerReply): void => {
      worker.off('message', onMessage);
      if (reply.kind === 'ready') resolve();
      else reject(new Error(`sentence encoder worker could not start its ONNX Runtime session: ${reply.kind === 'failed' ? reply.message : reply.kind}`));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`sentence encoder worker exited (code ${code}) before its session was ready`)));
  });
}
