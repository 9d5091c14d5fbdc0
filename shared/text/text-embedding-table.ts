// Item text embeddings keyed by content: each row is the embedding of one text under one model,
// found by digest = sha256(modelKey, text), so an item is re-encoded only when its text (its
// version) or the model changes, and identical texts are encoded once.
// On-disk form (one artifact, little-endian):
//   "ASSAYTXE" | u32 version = 1 | u32 rows | u32 dim | u32 modelKey bytes | modelKey (UTF-8)
//   | rows × 32-byte sha256 digests | rows × dim float32

import { createHash } from 'node:crypto';
import type { Matrix } from '../data/types';
import type { ArtifactStore } from '../store/artifact-store';
import type { AliasTarget, ArtifactRef } from '../store/manifest';

const MAGIC = 'ASSAYTXE';
const FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;

export interface TextEmbeddingTable {
  readonly modelKey: string;
  /** hex sha256 per row, see textDigest */
  readonly digests: readonly string[];
  readonly embeddings: Matrix;
}

/** What encodes texts; SentenceEncoder satisfies it. */
export interface TextEncoding {
  readonly modelKey: string;
  readonly dim: number;
  encode(texts: readonly string[]): Promise<Matrix>;
}

export function textDigest(modelKey: string, text: string): string {
  // the NUL separator keeps (key, text) pairs from colliding by concatenation
  return createHash('sha256').update(modelKey).update('\0').update(text).digest('hex');
}

export interface EncodedTexts {
  /** one row per input text, in input order */
  readonly embeddings: Matrix;
  /** every distinct text seen so far under this model: the previous table's rows plus the new ones */
  readonly table: TextEmbeddingTable;
  /** distinct texts encoded by this call; the rest came from `previous` or repeated an earlier text */
  readonly encoded: number;
}

/** Embeddings of `texts`, encoding only texts whose digest `previous` does not hold. */
export async function encodeWithTable(encoder: TextEncoding, texts: readonly string[], previous?: TextEmbeddingTable): Promise<EncodedTexts> {
  const dim = encoder.dim;
  const known = new Map<string, Float32Array>();
  if (previous && previous.modelKey === encoder.modelKey && previous.embeddings.cols === dim) {
    previous.digests.forEach((digest, row) => known.set(digest, previous.embeddings.data.subarray(row * dim, (row + 1) * dim)));
  }
  const digests = texts.map((text) => textDigest(encoder.modelKey, text));
  const missing = new Map<string, string>();
  digests.forEach((digest, i) => {
    if (!known.has(digest)) missing.set(digest, texts[i]!);
  });
  if (missing.size > 0) {
    const fresh = await encoder.encode([...missing.values()]);
    [...missing.keys()].forEach((digest, row) => known.set(digest, fresh.data.slice(row * dim, (row + 1) * dim)));
  }
  const embeddings: Matrix = { rows: texts.length, cols: dim, data: new Float32Array(texts.length * dim) };
  digests.forEach((digest, i) => embeddings.data.set(known.get(digest)!, i * dim));
  const tableDigests = [...known.keys()];
  const tableData = new Float32Array(tableDigests.length * dim);
  tableDigests.forEach((digest, row) => tableData.set(known.get(digest)!, row * dim));
  return {
    embeddings,
    table: { modelKey: encoder.modelKey, digests: tableDigests, embeddings: { rows: tableDigests.length, cols: dim, data: tableData } },
    encoded: missing.size,
  };
}

export function encodeTextEmbeddingTable(table: TextEmbeddingTable): Buffer {
  const { rows, cols, data } = table.embeddings;
  if (table.digests.length !== rows) throw new RangeError(`text embedding table: ${table.digests.length} digests for ${rows} rows`);
  const key = Buffer.from(table.modelKey, 'utf8');
  const header = Buffer.alloc(MAGIC.length + 16);
  header.write(MAGIC, 0, 'ascii');
  [FORMAT_VERSION, rows, cols, key.length].forEach((value, i) => header.writeUInt32LE(value, MAGIC.length + 4 * i));
  const digests = Buffer.concat(table.digests.map((digest) => Buffer.from(digest, 'hex')));
  const floats = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([header, key, digests, floats]);
}

export function decodeTextEmbeddingTable(bytes: Buffer, source = 'text embedding table'): TextEmbeddingTable {
  const fail = (reason: string): never => {
    throw new Error(`${source}: ${reason}; re-run the step that wrote it with --no-cache`);
  };
  if (bytes.length < MAGIC.length + 16 || bytes.toString('ascii', 0, MAGIC.length) !== MAGIC) fail('not an Assay text embedding table');
  const [version, rows, cols, keyLength] = [0, 1, 2, 3].map((i) => bytes.readUInt32LE(MAGIC.length + 4 * i)) as [number, number, number, number];
  if (version !== FORMAT_VERSION) fail(`format version ${version}, this code reads ${FORMAT_VERSION}`);
  const keyStart = MAGIC.length + 16;
  const digestStart = keyStart + keyLength;
  const floatStart = digestStart + rows * DIGEST_BYTES;
  if (bytes.length !== floatStart + rows * cols * 4) fail(`${bytes.length} bytes, expected ${floatStart + rows * cols * 4} for ${rows} rows × ${cols}`);
  const digests = Array.from({ length: rows }, (_, row) => bytes.toString('hex', digestStart + row * DIGEST_BYTES, digestStart + (row + 1) * DIGEST_BYTES));
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(bytes.subarray(floatStart));
  return { modelKey: bytes.toString('utf8', keyStart, digestStart), digests, embeddings: { rows, cols, data } };
}

export async function putTextEmbeddingTable(store: ArtifactStore, table: TextEmbeddingTable, alias: Omit<AliasTarget, 'contentType' | 'meta'>): Promise<ArtifactRef> {
  return store.put(encodeTextEmbeddingTable(table), {
    ...alias,
    contentType: 'application/x-assay-text-embeddings',
    meta: { modelKey: table.modelKey, rows: table.embeddings.rows, dim: table.embeddings.cols },
  });
}

export async function getTextEmbeddingTable(store: ArtifactStore, ref: ArtifactRef): Promise<TextEmbeddingTable> {
  return decodeTextEmbeddingTable(await store.getBuffer(ref), ref.uri);
}
