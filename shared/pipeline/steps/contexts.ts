// Per-interaction contexts for valuation and quarantine scoring: for train interaction j of
// user u, the items u interacted with before j (time order), newest last, at most `maxLen`.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { InteractionTable, Matrix, UserSequences } from '../../data/types';
import type { RecModel } from '../../ml/encoder';
import { timeOrder } from '../../ml/finetune';
import { contextEmbeddings } from '../../ml/scoring';

export function contextsBefore(table: InteractionTable, numUsers: number, rows: Int32Array, maxLen: number): UserSequences {
  const t = timeOrder(table, numUsers);
  const offsets = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) {
    const j = rows[r]!;
    const start = t.userStart[table.user[j]!]!;
    offsets[r + 1] = offsets[r]! + Math.min(maxLen, t.rank[j]! - start);
  }
  const items = new Int32Array(offsets[rows.length]!);
  for (let r = 0; r < rows.length; r++) {
    const j = rows[r]!;
    const end = t.rank[j]!;
    const count = offsets[r + 1]! - offsets[r]!;
    items.set(t.items.subarray(end - count, end), offsets[r]!);
  }
  return { offsets, items };
}

/** Every row index 0..n-1. */
export function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * contextEmbeddings in chunks, yielding to the event loop between them so heartbeats and
 * cancellation get through during a long encoding pass.
 */
export async function embedContexts(model: RecModel, sequences: UserSequences, onChunk: (done: number, total: number) => void, len?: number, chunkRows = 256): Promise<Matrix> {
  const rows = sequences.offsets.length - 1;
  const dim = model.encoder.dim;
  const data = new Float32Array(rows * dim);
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(rows, start + chunkRows);
    const base = sequences.offsets[start]!;
    const offsets = sequences.offsets.slice(start, end + 1).map((o) => o - base);
    const chunk = contextEmbeddings(model, { sequences: { offsets, items: sequences.items.subarray(base, sequences.offsets[end]!) }, len });
    data.set(chunk.data, start * dim);
    onChunk(end, rows);
    await yieldToEventLoop();
  }
  return { rows, cols: dim, data };
}
