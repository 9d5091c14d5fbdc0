// Scoring for evaluation and inference: score(context, item) = contextEmb · itemEmb, a plain
// dot product (no item bias), so top-K can run blocked over two matrices and the ONNX
// export is the encoder up to the context vector.
// A context is a user's items (plus a search query) laid out as writeContext describes; its
// embedding is the final hidden state of the last column — the position the training loss
// shaped to predict the next item.
import * as tf from '@tensorflow/tfjs';
import type { Matrix, UserSequences } from '../data/types';
import { encode, itemTable, param, type RecModel } from './encoder';
import { gatherRows } from './ops';
import { FIRST_ITEM_ROW, itemRow, MASK_ROW, PAD_ROW, SEP_ROW, tokenRow, type TokenCsr } from './vocabulary';

/**
 * A tensor's values as a fresh Float32Array, disposing the tensor. Reading inside tf.tidy
 * and returning the array makes tidy walk every element looking for tensors, which slows a
 * product by two orders of magnitude (docs/performance.md), so read after it.
 */
function readOut(t: tf.Tensor): Float32Array {
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data.slice();
}

/** The item rows of the tied embedding table (numItems × dim), item text projected in when the model has it. */
export function itemEmbeddings(model: RecModel): Matrix {
  const { numItems } = model.vocabulary;
  const dim = model.encoder.dim;
  return { rows: numItems, cols: dim, data: readOut(tf.tidy(() => tf.slice(itemTable(model), [FIRST_ITEM_ROW, 0], [numItems, dim]))) };
}

/**
 * The item vectors a ranking uses: itemEmbeddings, except that in a model with item text an item
 * no training interaction reached (`trained[i]` = 0) is its features alone (its text projection,
 * plus its price vector when the model takes price). Its id row never had the item as a target,
 * only as a negative, so it carries no signal of its own; its text does (the cold-start protocol
 * of bench/cold-start). Without item text: itemEmbeddings.
 */
export function servingItemEmbeddings(model: RecModel, trained: Uint8Array): Matrix {
  const items = itemEmbeddings(model);
  if (!model.itemText) return items;
  if (trained.length !== items.rows) throw new Error(`servingItemEmbeddings: ${trained.length} trained flags for ${items.rows} items`);
  const cold = Int32Array.from(trained.keys()).filter((i) => trained[i] === 0);
  if (cold.length === 0) return items;
  const dim = items.cols;
  const idRows = readOut(tf.tidy(() => tf.gather(param(model, 'embedding.table'), Int32Array.from(cold, (item) => FIRST_ITEM_ROW + item))));
  cold.forEach((item, r) => {
    for (let c = 0; c < dim; c++) items.data[item * dim + c]! -= idRows[r * dim + c]!;
  });
  return items;
}

/** 1 for each item a row of `items` names (e.g. a train table's items), else 0. */
export function itemsIn(items: Int32Array, numItems: number): Uint8Array {
  const out = new Uint8Array(numItems);
  for (const i of items) out[i] = 1;
  return out;
}

/**
 * Writes one context row right-aligned into `ids[rowStart .. rowStart+len)`, keeping the
 * newest items that fit, and returns nothing. Two layouts, one per attention kind:
 *   bidirectional (pretrained):  [PAD…, item…, ([SEP], token…)?, [MASK]]  → read at [MASK]
 *   causal (fine-tuned):         [PAD…, [MASK], item…, ([SEP], token…)?]  → read at the end
 * In the causal layout the leading [MASK] is a start symbol, and the hidden state just
 * before an item is the one trained to predict it (finetune.ts), so the last column is the
 * user's next-item representation in both layouts.
 */
export function writeContext(
  model: RecModel,
  ids: Int32Array,
  rowStart: number,
  len: number,
  items: Int32Array,
  query: Int32Array | null,
): void {
  const queryPart = query && query.length > 0 ? 1 + query.length : 0;
  const itemCount = Math.min(items.length, len - 1 - queryPart);
  if (itemCount < 0) throw new Error(`writeContext: a query of ${query?.length} tokens does not fit in ${len} positions`);
  const causal = model.encoder.causal;
  let pos = rowStart + len - 1;
  if (!causal) ids[pos--] = MASK_ROW;
  if (query && query.length > 0) {
    for (let k = query.length - 1; k >= 0; k--) ids[pos--] = tokenRow(model.vocabulary, query[k] as number);
    ids[pos--] = SEP_ROW;
  }
  for (let k = items.length - 1; k >= items.length - itemCount; k--) ids[pos--] = itemRow(items[k] as number);
  if (causal) ids[pos--] = MASK_ROW;
  while (pos >= rowStart) ids[pos--] = PAD_ROW;
}

export interface Contexts {
  /** one row per context (a user's items so far, time-ordered) */
  readonly sequences: UserSequences;
  /** optional query tokens per context row (same row count); empty rows mean no query */
  readonly queryTokens?: TokenCsr;
  /** query tokens kept per context (default 8) */
  readonly maxQueryTokens?: number;
  /**
   * positions encoded per context (default encoder.maxLen): a shorter window keeps only the
   * newest items and costs proportionally less — valuation encodes one context per example
   */
  readonly len?: number;
}

/** One embedding per context row, encoded in batches without dropout. */
export function contextEmbeddings(model: RecModel, contexts: Contexts, batchSize = 256): Matrix {
  const rows = contexts.sequences.offsets.length - 1;
  const dim = model.encoder.dim;
  const len = Math.min(model.encoder.maxLen, contexts.len ?? model.encoder.maxLen);
  if (len < 2) throw new Error(`contextEmbeddings: len=${len} leaves no room for an item before [MASK]; use at least 2`);
  const { offsets, items } = contexts.sequences;
  const q = contexts.queryTokens;
  const maxQuery = Math.min(contexts.maxQueryTokens ?? 8, len - 2);
  if (q && q.offsets.length !== rows + 1) throw new Error(`contextEmbeddings: queryTokens has ${q.offsets.length - 1} rows, sequences has ${rows}`);
  if (q && q.ids.length > 0 && model.vocabulary.vocabSize === 0) throw new Error('contextEmbeddings: queries need a model pretrained with item text (its token vocabulary is empty)');
  const out = new Float32Array(rows * dim);
  for (let start = 0; start < rows; start += batchSize) {
    const batch = Math.min(batchSize, rows - start);
    const ids = new Int32Array(batch * len);
    for (let b = 0; b < batch; b++) {
      const r = start + b;
      const query = q ? q.ids.subarray(q.offsets[r] as number, Math.min(q.offsets[r + 1] as number, (q.offsets[r] as number) + maxQuery)) : null;
      writeContext(model, ids, b * len, len, items.subarray(offsets[r] as number, offsets[r + 1] as number), query);
    }
    const last = new Int32Array(batch);
    for (let b = 0; b < batch; b++) last[b] = b * len + len - 1;
    const emb = readOut(tf.tidy(() => gatherRows(encode(model, ids, batch, len, { training: false }), last)));
    out.set(emb, start * dim);
  }
  return { rows, cols: dim, data: out };
}

/** Next-item context embedding of every user: userEmb[u]·itemEmb[i] ranks items for u. */
export function userEmbeddings(model: RecModel, sequences: UserSequences, batchSize = 256): Matrix {
  return contextEmbeddings(model, { sequences }, batchSize);
}
