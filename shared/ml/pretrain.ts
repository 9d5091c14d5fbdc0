// Step 2 of the method (docs/architecture.md §1): self-supervised pretraining of the encoder.
//  - Masked item modeling over users' train sequences (BERT4Rec, Sun et al., CIKM 2019):
//    each item is replaced by [MASK] with probability maskProb and predicted from both
//    sides with a softmax over the whole catalogue through the tied item embedding.
//  - Masked-token modeling over item text (BERT, Devlin et al., NAACL 2019) when token ids
//    are given: the input is [item, token…], so the item's own embedding learns from its
//    text, which carries signal to items with few interactions.
// Both losses are summed into one optimizer step: loss = L_items + text.weight · L_text.
// Given frozen item text embeddings (a pretrained sentence encoder's, shared/text/item-text.ts),
// the model adds their learned projection to every item's id row (encoder.ts itemTable), here
// and in every later step, so an item's text shapes its representation wherever it is read.
import * as tf from '@tensorflow/tfjs';
import type { Matrix, UserSequences } from '../data/types';
import type { Random } from '../random';
import { PretrainConfigSchema, parseConfig, type PretrainConfig, type PretrainConfigInput } from './config';
import type { LoopData, LoopInput } from './loop-data';
import { createModel, encode, encodeBlocks, exportWeights, itemTable, type NamedWeights, type RecModel } from './encoder';
import { fingerprintArrays } from './fingerprint';
import { countsOf, samplerFor, type NegativeSampler } from './negative-sampler';
import { gatherRows, softmaxLoss } from './kernels';
import { priceBuckets } from './price-buckets';
import { itemEmbeddings } from './scoring';
import { runEpochs, type TrainingRun } from './training-loop';
import { assertTokenCsr, FIRST_ITEM_ROW, itemRow, MASK_ROW, PAD_ROW, tokenRow, type TokenCsr, type Vocabulary } from './vocabulary';

export interface PretrainData {
  readonly numItems: number;
  /** each user's train items in time order (dense item indices) */
  readonly sequences: UserSequences;
  /** token ids of each item's text, one CSR row per item; omit to train on sequences only */
  readonly itemText?: TokenCsr;
  /** each item's price (NaN where unknown); read only with encoder.priceBuckets */
  readonly itemPrice?: Float64Array;
  /**
   * frozen embeddings of each item's text (numItems × width, item-text.ts): the model adds their
   * learned projection to every item's id row (encoder.ts itemTable); omit for id rows alone
   */
  readonly itemTextEmbeddings?: Matrix;
}

export interface PretrainResult {
  readonly model: RecModel;
  /** the tied item embeddings (numItems × dim); score(u,i) = userEmb[u]·itemEmb[i] */
  readonly itemEmbeddings: Matrix;
  readonly weights: NamedWeights;
  readonly config: PretrainConfig;
  /** the newest complete checkpoint (null when stopped before the first epoch ended) */
  readonly checkpointDir: string | null;
  readonly epochsDone: number;
  readonly lossHistory: number[];
  readonly stopped: boolean;
  readonly examplesPerSecond: number;
}

/** Windows of at most `len` items cut from the end of each sequence, so long histories are all used. */
export function sequenceWindows(seqs: UserSequences, len: number): { start: Int32Array; end: Int32Array } {
  const users = seqs.offsets.length - 1;
  let count = 0;
  for (let u = 0; u < users; u++) count += Math.ceil(((seqs.offsets[u + 1] as number) - (seqs.offsets[u] as number)) / len);
  const start = new Int32Array(count);
  const end = new Int32Array(count);
  let w = 0;
  for (let u = 0; u < users; u++) {
    const lo = seqs.offsets[u] as number;
    for (let e = seqs.offsets[u + 1] as number; e > lo; e -= len) {
      start[w] = Math.max(lo, e - len);
      end[w] = e;
      w++;
    }
  }
  return { start, end };
}

interface MaskedBatch {
  readonly ids: Int32Array;
  readonly batch: number;
  readonly len: number;
  /** flat positions (row·len + col) of the masked inputs */
  readonly positions: Int32Array;
  /** class index (item or token) to predict at each masked position */
  readonly targets: Int32Array;
}

/**
 * Left-padded [batch×len] rows of item windows with items masked at rate p (at least one
 * per row, the last when the draw masked none).
 */
export function maskedItemBatch(seqs: UserSequences, windows: { start: Int32Array; end: Int32Array }, samples: Int32Array, p: number, rng: Random): MaskedBatch {
  let len = 1;
  for (const s of samples) len = Math.max(len, (windows.end[s] as number) - (windows.start[s] as number));
  const batch = samples.length;
  const ids = new Int32Array(batch * len).fill(PAD_ROW);
  const positions: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < batch; b++) {
    const s = samples[b] as number;
    const lo = windows.start[s] as number;
    const n = (windows.end[s] as number) - lo;
    const base = b * len + (len - n);
    let masked = 0;
    for (let k = 0; k < n; k++) {
      const item = seqs.items[lo + k] as number;
      const mask = rng.next() < p;
      ids[base + k] = mask ? MASK_ROW : itemRow(item);
      if (mask) {
        positions.push(base + k);
        targets.push(item);
        masked++;
      }
    }
    if (masked === 0) {
      ids[base + n - 1] = MASK_ROW;
      positions.push(base + n - 1);
      targets.push(seqs.items[lo + n - 1] as number);
    }
  }
  return { ids, batch, len, positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
}

/** Left-padded rows [item, token…] for masked-token modeling; only tokens are masked. */
export function maskedTextBatch(vocab: Vocabulary, text: TokenCsr, items: Int32Array, maxTokens: number, p: number, rng: Random): MaskedBatch {
  let len = 2;
  for (const i of items) len = Math.max(len, 1 + Math.min(maxTokens, (text.offsets[i + 1] as number) - (text.offsets[i] as number)));
  const batch = items.length;
  const ids = new Int32Array(batch * len).fill(PAD_ROW);
  const positions: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < batch; b++) {
    const item = items[b] as number;
    const lo = text.offsets[item] as number;
    const n = Math.min(maxTokens, (text.offsets[item + 1] as number) - lo);
    const base = b * len + len - 1 - n;
    ids[base] = itemRow(item);
    let masked = 0;
    for (let k = 0; k < n; k++) {
      const token = text.ids[lo + k] as number;
      const mask = rng.next() < p;
      ids[base + 1 + k] = mask ? MASK_ROW : tokenRow(vocab, token);
      if (mask) {
        positions.push(base + 1 + k);
        targets.push(token);
        masked++;
      }
    }
    if (masked === 0) {
      const k = rng.int(n);
      ids[base + 1 + k] = MASK_ROW;
      positions.push(base + 1 + k);
      targets.push(text.ids[lo + k] as number);
    }
  }
  return { ids, batch, len, positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
}

/** The loss of one class block (items or text tokens) at a batch's masked positions, read from hidden rows starting at `firstRow`. */
function maskedLoss(model: RecModel, table: tf.Tensor2D | undefined, hidden: tf.Tensor2D, firstRow: number, batch: MaskedBatch, block: 'items' | 'tokens', sampler: NegativeSampler, cfg: PretrainConfig, rng: Random): tf.Scalar {
  const positions = firstRow === 0 ? batch.positions : batch.positions.map((p) => p + firstRow);
  const atMasks = gatherRows(hidden, positions);
  const vocab = model.vocabulary;
  const classes =
    block === 'items'
      ? { table: table ?? itemTable(model), firstRow: FIRST_ITEM_ROW, classes: vocab.numItems, sampler }
      : { table: table ?? itemTable(model), firstRow: FIRST_ITEM_ROW + vocab.numItems, classes: vocab.vocabSize, sampler };
  return softmaxLoss(classes, atMasks, batch.targets, null, cfg.loss, rng);
}

/**
 * Cycles through items that have text in an order drawn from each new generator it is handed:
 * once per epoch on one thread, once per batch part under data-parallel threads (each part
 * draws from its own generator there).
 */
class TextCursor {
  private order: Int32Array = new Int32Array(0);
  private next = 0;
  private epochRng: Random | null = null;
  constructor(private readonly withText: Int32Array) {}
  take(n: number, rng: Random): Int32Array {
    if (rng !== this.epochRng) {
      this.epochRng = rng;
      this.order = rng.shuffle(this.withText.slice());
      this.next = 0;
    }
    const out = new Int32Array(Math.min(n, this.order.length));
    for (let i = 0; i < out.length; i++) {
      if (this.next >= this.order.length) this.next = 0;
      out[i] = this.order[this.next++] as number;
    }
    return out;
  }
}

/**
 * The pretraining windows of validated data and the loss of a batch of them on `model`: built
 * once here, and once more on each data-parallel thread's replica (data-parallel/).
 */
export function pretrainLoopData(input: unknown, model: RecModel): LoopData {
  const { data, cfg } = input as LoopInput<PretrainData, PretrainConfig>;
  const seqs = data.sequences;
  const text = data.itemText;
  const vocab = model.vocabulary;
  const windows = sequenceWindows(seqs, cfg.encoder.maxLen);
  const withTextList: number[] = [];
  if (text) for (let i = 0; i < data.numItems; i++) if ((text.offsets[i + 1] as number) > (text.offsets[i] as number)) withTextList.push(i);
  const cursor = withTextList.length > 0 ? new TextCursor(Int32Array.from(withTextList)) : null;
  const itemSampler = samplerFor(cfg.loss, vocab.numItems, () => countsOf(seqs.items, vocab.numItems));
  const tokenSampler = text ? samplerFor(cfg.loss, vocab.vocabSize, () => countsOf(text.ids, vocab.vocabSize)) : null;
  // each data-parallel part takes its share of the text batch, as it does of the sequences
  const textPerPart = Math.ceil(cfg.text.batchSize / cfg.threads);
  return {
    numSamples: windows.start.length,
    lengthOf: (w) => (windows.end[w] as number) - (windows.start[w] as number),
    batchLoss: (samples, rng) => {
      const items = maskedItemBatch(seqs, windows, samples, cfg.maskProb, rng);
      // the inputs and the tied output read one table, with item text projected in when the model has it
      // (with item text drawn once per batch, so its id dropout is the same for both)
      const table = model.itemText ? itemTable(model, cfg.idDropout ? { rate: cfg.idDropout, rng } : undefined) : undefined;
      const forward = { training: true, rng, ...(table && { table }) };
      if (!cursor || !text || !tokenSampler || cfg.text.weight === 0) {
        return maskedLoss(model, table, encode(model, items.ids, items.batch, items.len, forward), 0, items, 'items', itemSampler, cfg, rng);
      }
      const texts = maskedTextBatch(vocab, text, cursor.take(textPerPart, rng), cfg.text.maxTokens, cfg.text.maskProb, rng);
      // both batches through the encoder at once: one gradient per weight, not two summed
      const hidden = encodeBlocks(model, [items, texts], forward);
      const itemLoss = maskedLoss(model, table, hidden, 0, items, 'items', itemSampler, cfg, rng);
      const textLoss = maskedLoss(model, table, hidden, items.batch * items.len, texts, 'tokens', tokenSampler, cfg, rng);
      return tf.add(itemLoss, tf.mul(textLoss, cfg.text.weight)) as tf.Scalar;
    },
  };
}

/** The items' price buckets when the encoder takes price (encoder.priceBuckets). */
function priceVocabulary(data: PretrainData, buckets: number | undefined): Pick<Vocabulary, 'itemPriceBucket'> {
  if (buckets === undefined) return {};
  const prices = data.itemPrice;
  if (!prices || !prices.some((p) => !Number.isNaN(p))) throw new Error(`pretrain: encoder.priceBuckets=${buckets} needs item prices, and the data has none; add a price column to the items file or leave priceBuckets out`);
  if (prices.length !== data.numItems) throw new Error(`pretrain: itemPrice has ${prices.length} entries for numItems=${data.numItems}`);
  return { itemPriceBucket: priceBuckets(prices, buckets) };
}

export async function pretrain(data: PretrainData, configInput: PretrainConfigInput, run: TrainingRun): Promise<PretrainResult> {
  const cfg = parseConfig(PretrainConfigSchema, configInput, 'pretrain');
  const seqs = data.sequences;
  for (let i = 0; i < seqs.items.length; i++) {
    const it = seqs.items[i] as number;
    if (it < 0 || it >= data.numItems) throw new Error(`pretrain: sequences.items[${i}]=${it} is outside [0, numItems=${data.numItems})`);
  }
  const text = data.itemText;
  if (text) {
    assertTokenCsr(text, data.numItems, 'pretrain: itemText');
    if (cfg.text.maxTokens + 1 > cfg.encoder.maxLen) throw new Error(`pretrain: text.maxTokens + 1 = ${cfg.text.maxTokens + 1} exceeds encoder.maxLen=${cfg.encoder.maxLen}; lower text.maxTokens`);
  }
  const vocab: Vocabulary = { numItems: data.numItems, vocabSize: text?.vocabSize ?? 0, ...priceVocabulary(data, cfg.encoder.priceBuckets) };
  if (sequenceWindows(seqs, cfg.encoder.maxLen).start.length === 0) throw new Error('pretrain: every user sequence is empty; there is nothing to train on');
  const textEmb = data.itemTextEmbeddings;
  if (textEmb) assertItemTextEmbeddings(textEmb, data.numItems, cfg.encoder.itemTextDim);
  else if (cfg.encoder.itemTextDim) throw new Error(`pretrain: encoder.itemTextDim=${cfg.encoder.itemTextDim} but no itemTextEmbeddings were given; pass them or leave itemTextDim out`);
  const model = createModel(textEmb ? { ...cfg.encoder, itemTextDim: textEmb.cols } : cfg.encoder, vocab, cfg.seed, textEmb);
  const input: LoopInput<PretrainData, PretrainConfig> = { data, cfg };
  const loop = await runEpochs(
    {
      kind: 'pretrain',
      model,
      seed: cfg.seed,
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      optimizer: cfg.optimizer,
      config: cfg,
      dataFingerprint: fingerprintArrays([data.numItems, seqs.offsets, seqs.items, text?.offsets, text?.ids, text?.vocabSize, ...(vocab.itemPriceBucket ? [Int32Array.from(vocab.itemPriceBucket)] : []), ...(textEmb ? [textEmb.data] : [])]),
      threads: cfg.threads,
      replica: { module: __filename, builder: 'pretrainLoopData', input },
      ...pretrainLoopData(input, model),
    },
    run,
  );
  return { model, itemEmbeddings: itemEmbeddings(model), weights: exportWeights(model), config: cfg, ...loop };
}

/** Frozen item text rows must be one finite row per item, of the width the config names (if any). */
function assertItemTextEmbeddings(m: Matrix, numItems: number, configured: number | undefined): void {
  if (m.rows !== numItems) throw new Error(`pretrain: itemTextEmbeddings has ${m.rows} rows for numItems=${numItems}; give one text embedding per item`);
  if (m.data.length !== m.rows * m.cols) throw new Error(`pretrain: itemTextEmbeddings holds ${m.data.length} values, not rows × cols = ${m.rows * m.cols}`);
  if (configured !== undefined && configured !== m.cols) throw new Error(`pretrain: encoder.itemTextDim=${configured} but the item text embeddings are ${m.cols} wide`);
  const bad = m.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`pretrain: itemTextEmbeddings row ${Math.floor(bad / m.cols)} holds a non-finite value`);
}
