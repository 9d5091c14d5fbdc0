// Frozen text embeddings of a catalogue's items for the models (encoder.ts itemTable): each
// item's text (the preprocessed title, description, category path and brand) through the
// pretrained sentence encoder, one 384-wide row per item.
// An item is encoded once per version of its text: rows are found by sha256(model, text) in a
// text embedding table (text-embedding-table.ts) kept in the tool cache, so a rerun, another
// partition or a dataset where a few titles changed encodes only the texts it has not seen. The
// table of the dataset's own items is also the step's output artifact (content-addressed in the
// store with the run's lineage), so what a model was trained on can be read back.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Matrix } from '../data/types';
import type { ItemTextConfig } from '../ml/config';
import { loadSentenceEncoder, type SentenceEncoder } from './sentence-encoder';
import { decodeTextEmbeddingTable, encodeTextEmbeddingTable, encodeWithTable, textDigest, type TextEmbeddingTable, type TextEncoding } from './text-embedding-table';

/** The file name of the item text embeddings among a step's outputs. */
export const ITEM_TEXT_FILE = 'item-text.txe';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where the per-model text embedding cache lives: $ASSAY_TEXT_EMBEDDINGS_DIR, else
 * $ASSAY_CACHE/text-embeddings (default ~/.cache/assay), beside the model it caches.
 */
export function textEmbeddingCacheDir(env: Env = process.env): string {
  return env.ASSAY_TEXT_EMBEDDINGS_DIR || path.join(env.ASSAY_CACHE || path.join(homedir(), '.cache', 'assay'), 'text-embeddings');
}

function cacheFile(cacheDir: string, modelKey: string): string {
  return path.join(cacheDir, `${createHash('sha256').update(modelKey).digest('hex').slice(0, 32)}.txe`);
}

export interface ItemTextEmbeddings {
  /** one row per item, in dense item order */
  readonly embeddings: Matrix;
  /** the rows of this catalogue's distinct texts: the artifact a step publishes */
  readonly table: TextEmbeddingTable;
  /** distinct texts encoded now; the others came from the cache */
  readonly encoded: number;
  readonly cached: number;
}

/**
 * Embeddings of `texts` (one per item), encoding only those the cache in `cacheDir` lacks, then
 * adding them to it. A cache file that cannot be read is set aside and rebuilt: it only saves time.
 */
export async function itemTextEmbeddings(encoder: TextEncoding, texts: readonly string[], cacheDir: string): Promise<ItemTextEmbeddings> {
  const file = cacheFile(cacheDir, encoder.modelKey);
  let previous: TextEmbeddingTable | undefined;
  if (existsSync(file)) {
    try {
      previous = decodeTextEmbeddingTable(await readFile(file), file);
    } catch {
      previous = undefined;
    }
  }
  const result = await encodeWithTable(encoder, texts, previous);
  if (result.encoded > 0) {
    await mkdir(cacheDir, { recursive: true });
    // written aside and renamed: a reader never sees half a table, and concurrent writers only lose rows to re-encode
    const partial = `${file}.${randomUUID()}.partial`;
    try {
      await writeFile(partial, encodeTextEmbeddingTable(result.table));
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
  }
  return { embeddings: result.embeddings, table: tableOf(encoder.modelKey, texts, result.embeddings), encoded: result.encoded, cached: distinctTexts(texts) - result.encoded };
}

function distinctTexts(texts: readonly string[]): number {
  return new Set(texts).size;
}

/** The table of `texts`' own rows (one per distinct text, first appearance first), given their embeddings row by row. */
function tableOf(modelKey: string, texts: readonly string[], embeddings: Matrix): TextEmbeddingTable {
  const dim = embeddings.cols;
  const firstRow = new Map<string, number>();
  texts.forEach((text, row) => {
    if (!firstRow.has(text)) firstRow.set(text, row);
  });
  const data = new Float32Array(firstRow.size * dim);
  [...firstRow.values()].forEach((row, k) => data.set(embeddings.data.subarray(row * dim, (row + 1) * dim), k * dim));
  return { modelKey, digests: [...firstRow.keys()].map((text) => textDigest(modelKey, text)), embeddings: { rows: firstRow.size, cols: dim, data } };
}

/**
 * The installed sentence encoder as item text embeddings are keyed: a text truncated to other
 * lengths is another embedding, so the cache key names the truncation too. Throws
 * TextModelNotInstalledError (with the install command) when the model is not there.
 */
export async function loadItemTextEncoder(config: Pick<ItemTextConfig, 'batchSize' | 'maxTokens'>, env: Env = process.env): Promise<TextEncoding & Pick<SentenceEncoder, 'close'>> {
  const encoder = await loadSentenceEncoder({ batchSize: config.batchSize, maxTokens: config.maxTokens }, env);
  return { modelKey: `${encoder.modelKey}#maxTokens=${config.maxTokens}`, dim: encoder.dim, encode: (texts) => encoder.encode(texts), close: () => encoder.close() };
}
