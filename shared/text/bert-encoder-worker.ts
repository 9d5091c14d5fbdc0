// Worker-thread entry for the sentence encoder's CPU pool (bert-encoder-pool.ts): one ONNX Runtime
// session over the BERT graph it is handed, running whole batches on its own thread. Replies
// carry the embeddings' buffer transferred, not copied; a failed run replies with its message so
// the pool rejects that batch and keeps the others.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { createScoringSession } from '../ml/onnx/scoring-session';
import { BERT_ENCODER_NAMES } from './bert-onnx-graph';

export interface BertEncoderWorkerData {
  readonly model: Uint8Array;
  readonly intraOpThreads: number;
}

/** input_ids and attention_mask [rows, seq], row-major, 0-padded */
export interface BertBatchRequest {
  readonly id: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly rows: number;
  readonly seq: number;
}

export type BertEncoderWorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'done'; readonly id: number; readonly embeddings: Float32Array }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };

/** One padded batch → [rows, hidden] sentence embeddings. */
export async function runBertBatch(session: ort.InferenceSession, batch: Omit<BertBatchRequest, 'id'>): Promise<Float32Array> {
  const n = BERT_ENCODER_NAMES;
  const dims = [batch.rows, batch.seq];
  const result = await session.run(
    { [n.inputIds]: new ort.Tensor('int64', batch.inputIds, dims), [n.attentionMask]: new ort.Tensor('int64', batch.attentionMask, dims) },
    [n.sentenceEmbedding],
  );
  return result[n.sentenceEmbedding]!.data as Float32Array;
}

const port = parentPort;
if (port) {
  const job = workerData as BertEncoderWorkerData;
  const reply = (message: BertEncoderWorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
  createScoringSession(job.model, { preferCuda: false, intraOpThreads: job.intraOpThreads }).then(
    ({ session }) => {
      port.on('message', (request: BertBatchRequest) => {
        runBertBatch(session, request).then(
          (embeddings) => {
            // a copy the worker owns (ORT's output may be a view on memory it manages), then moved
            const own = embeddings.slice();
            reply({ kind: 'done', id: request.id, embeddings: own }, [own.buffer as ArrayBuffer]);
          },
          (error: unknown) => reply({ kind: 'error', id: request.id, message: messageOf(error) }),
        );
      });
      reply({ kind: 'ready' });
    },
    (error: unknown) => reply({ kind: 'failed', message: messageOf(error) }),
  );
}
