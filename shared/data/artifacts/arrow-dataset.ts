// A SplitDataset on disk: one Arrow IPC file per table plus manifest.json (schema, row
// counts, sha256 per file). The bytes depend only on the data, so the same input gives
// byte-identical files and the step cache can trust digests.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Field,
  Int32,
  List,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { z } from 'zod';
import type { Reject } from '../rejects';
import type { InteractionTable, ItemTokens, QueryJudgments, SplitDataset } from '../types';

export const MANIFEST_FILE = 'manifest.json';
export const DATASET_FORMAT = 'assay-split-dataset/1';

const FileEntrySchema = z.object({
  file: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  schema: z.array(z.object({ name: z.string(), type: z.string() })),
});
export const DatasetManifestSchema = z.object({
  format: z.literal(DATASET_FORMAT),
  name: z.string(),
  numUsers: z.number().int().nonnegative(),
  numItems: z.number().int().nonnegative(),
  specialTokens: z.object({ pad: z.number(), unk: z.number(), cls: z.number(), sep: z.number(), mask: z.number() }).optional(),
  files: z.record(z.string(), FileEntrySchema),
  /** free-form facts worth keeping next to the data (preprocess summary, source notes) */
  info: z.record(z.string(), z.unknown()).optional(),
});
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;

export interface WriteDatasetOptions {
  readonly rejects?: readonly Reject[];
  /** stored as manifest.info; must be deterministic for byte-identical manifests */
  readonly info?: Record<string, unknown>;
}

export async function writeDataset(dir: string, dataset: SplitDataset, options: WriteDatasetOptions = {}): Promise<DatasetManifest> {
  await mkdir(dir, { recursive: true });
  const tables: Record<string, Table> = {
    train: interactionsToArrow(dataset.train),
    valid: interactionsToArrow(dataset.valid),
    test: interactionsToArrow(dataset.test),
    items: new Table({ id: strings(dataset.itemIds), text: strings(dataset.itemText), ...(dataset.itemPrice ? { price: makeVector(dataset.itemPrice) } : {}) }),
    users: new Table({ id: strings(dataset.userIds) }),
    queries: new Table({ text: strings(dataset.queries) }),
  };
  if (dataset.tokens) {
    tables.tokens = tokensToArrow(dataset.tokens);
    tables.vocab = new Table({ token: strings(dataset.tokens.vocab) });
  }
  if (dataset.judgments) tables.judgments = judgmentsToArrow(dataset.judgments);
  if (options.rejects) tables.rejects = rejectsToArrow(options.rejects);

  const files: DatasetManifest['files'] = {};
  for (const [name, table] of Object.entries(tables)) {
    const bytes = tableToIPC(table, 'file');
    const file = `${name}.arrow`;
    await writeAtomically(join(dir, file), bytes);
    files[name] = {
      file,
      rows: table.numRows,
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
      schema: table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
    };
  }
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    name: dataset.name,
    numUsers: dataset.numUsers,
    numItems: dataset.numItems,
    ...(dataset.tokens ? { specialTokens: { ...dataset.tokens.special } } : {}),
    files,
    ...(options.info ? { info: options.info } : {}),
  };
  // the manifest goes last: a directory with a manifest is a complete dataset
  await writeAtomically(join(dir, MANIFEST_FILE), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}

export async function readManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path}: no dataset manifest — run preprocess (writeDataset) for this directory first`);
  }
  const parsed = DatasetManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path}: invalid manifest at ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads a table after checking its bytes against the manifest digest. */
async function readVerified(dir: string, manifest: DatasetManifest, name: string): Promise<Table | undefined> {
  const entry = manifest.files[name];
  if (!entry) return undefined;
  const path = join(dir, entry.file);
  const bytes = await readFile(path);
  const digest = sha256(bytes);
  if (digest !== entry.sha256) {
    throw new Error(`${path}: sha256 ${digest} does not match the manifest (${entry.sha256}); the file changed after it was written — re-run preprocess`);
  }
  return tableFromIPC(bytes);
}

export async function readDataset(dir: string): Promise<SplitDataset> {
  const manifest = await readManifest(dir);
  const need = async (name: string): Promise<Table> => {
    const table = await readVerified(dir, manifest, name);
    if (!table) throw new Error(`${join(dir, MANIFEST_FILE)}: manifest lists no '${name}' table`);
    return table;
  };
  const items = await need('items');
  const tokensTable = await readVerified(dir, manifest, 'tokens');
  const vocabTable = await readVerified(dir, manifest, 'vocab');
  const judgmentsTable = await readVerified(dir, manifest, 'judgments');
  const tokens: ItemTokens | undefined =
    tokensTable && vocabTable && manifest.specialTokens
      ? { ...tokensFromArrow(tokensTable), vocab: stringColumn(vocabTable, 'token'), special: manifest.specialTokens }
      : undefined;
  return {
    name: manifest.name,
    numUsers: manifest.numUsers,
    numItems: manifest.numItems,
    userIds: stringColumn(await need('users'), 'id'),
    itemIds: stringColumn(items, 'id'),
    itemText: stringColumn(items, 'text'),
    ...(items.getChild('price') ? { itemPrice: column(items, 'price', Float64Array) } : {}),
    queries: stringColumn(await need('queries'), 'text'),
    train: interactionsFromArrow(await need('train')),
    valid: interactionsFromArrow(await need('valid')),
    test: interactionsFromArrow(await need('test')),
    ...(judgmentsTable ? { judgments: judgmentsFromArrow(judgmentsTable) } : {}),
    ...(tokens ? { tokens } : {}),
  };
}

export async function readRejects(dir: string): Promise<Reject[]> {
  const manifest = await readManifest(dir);
  const table = await readVerified(dir, manifest, 'rejects');
  if (!table) return [];
  const cols = ['file', 'line', 'field', 'reason', 'detail', 'excerpt'] as const;
  const [file, line, field, reason, detail, excerpt] = cols.map((c) => table.getChild(c)!.toArray() as ArrayLike<unknown>);
  return Array.from({ length: table.numRows }, (_, i) => ({
    file: file![i] as string,
    line: line![i] as number,
    field: field![i] as string,
    reason: reason![i] as string,
    detail: detail![i] as string,
    excerpt: excerpt![i] as string,
  }));
}

function interactionsToArrow(t: InteractionTable): Table {
  return new Table({
    user: makeVector(t.user),
    item: makeVector(t.item),
    ts: makeVector(t.ts),
    type: makeVector(t.type),
    session: makeVector(t.session),
    relevance: makeVector(t.relevance),
    query: makeVector(t.query),
    position: makeVector(t.position ?? new Int32Array(t.length).fill(-1)),
    // only when the source had the column: datasets without it keep their bytes and digests
    ...(t.quantity ? { quantity: makeVector(t.quantity) } : {}),
    ...(t.value ? { value: makeVector(t.value) } : {}),
  });
}

function interactionsFromArrow(table: Table): InteractionTable {
  return {
    length: table.numRows,
    user: column(table, 'user', Int32Array),
    item: column(table, 'item', Int32Array),
    ts: column(table, 'ts', Float64Array),
    type: column(table, 'type', Uint8Array),
    session: column(table, 'session', Int32Array),
    relevance: column(table, 'relevance', Float32Array),
    query: column(table, 'query', Int32Array),
    position: column(table, 'position', Int32Array),
    ...(table.getChild('quantity') ? { quantity: column(table, 'quantity', Float32Array) } : {}),
    ...(table.getChild('value') ? { value: column(table, 'value', Float32Array) } : {}),
  };
}

/** Token ids per item as Arrow List<Int32>: the list offsets are exactly the CSR offsets. */
function tokensToArrow(tokens: ItemTokens): Table {
  const child = makeData({ type: new Int32(), length: tokens.ids.length, data: tokens.ids });
  const list = makeData({
    type: new List(new Field('id', new Int32(), false)),
    length: tokens.offsets.length - 1,
    nullCount: 0,
    valueOffsets: tokens.offsets,
    child,
  });
  return new Table({ ids: makeVector(list) });
}

function tokensFromArrow(table: Table): { offsets: Int32Array; ids: Int32Array } {
  const vector = table.getChild('ids') as Vector<List<Int32>> | null;
  if (!vector) throw new Error("tokens table has no column 'ids'");
  const offsets = new Int32Array(table.numRows + 1);
  const chunks: Int32Array[] = [];
  let row = 0;
  let total = 0;
  for (const data of vector.data) {
    const valueOffsets = data.valueOffsets;
    const child = data.children[0]!;
    const start = valueOffsets[data.offset]!;
    const end = valueOffsets[data.offset + data.length]!;
    chunks.push((child.values as Int32Array).subarray(child.offset + start, child.offset + end));
    for (let i = 0; i < data.length; i++) offsets[row + i + 1] = total + valueOffsets[data.offset + i + 1]! - start;
    row += data.length;
    total += end - start;
  }
  const ids = new Int32Array(total);
  let at = 0;
  for (const chunk of chunks) {
    ids.set(chunk, at);
    at += chunk.length;
  }
  return { offsets, ids };
}

function judgmentsToArrow(j: QueryJudgments): Table {
  return new Table({ query: makeVector(j.query), item: makeVector(j.item), relevance: makeVector(j.relevance) });
}

function judgmentsFromArrow(table: Table): QueryJudgments {
  return {
    length: table.numRows,
    query: column(table, 'query', Int32Array),
    item: column(table, 'item', Int32Array),
    relevance: column(table, 'relevance', Float32Array),
  };
}

function rejectsToArrow(rejects: readonly Reject[]): Table {
  return new Table({
    file: strings(rejects.map((r) => r.file)),
    line: makeVector(Int32Array.from(rejects, (r) => r.line)),
    field: strings(rejects.map((r) => r.field)),
    reason: strings(rejects.map((r) => r.reason)),
    detail: strings(rejects.map((r) => r.detail)),
    excerpt: strings(rejects.map((r) => r.excerpt)),
  });
}

function strings(values: readonly string[]): Vector<Utf8> {
  return vectorFromArray(values, new Utf8());
}

function stringColumn(table: Table, name: string): string[] {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`arrow table has no column '${name}'`);
  return Array.from({ length: table.numRows }, (_, i) => vector.get(i) as string);
}

type TypedArrayCtor<T> = { new (length: number): T; from(src: ArrayLike<number>): T };

/** A typed-array copy of a numeric column (owned memory, not a view into the file bytes). */
function column<T extends Int32Array | Float64Array | Float32Array | Uint8Array>(table: Table, name: string, Ctor: TypedArrayCtor<T>): T {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`arrow table has no column '${name}'`);
  const out = new Ctor(table.numRows);
  let at = 0;
  for (const data of vector.data) {
    const values = data.values as unknown as T;
    (out as unknown as { set(a: ArrayLike<number>, o: number): void }).set(values.subarray(data.offset, data.offset + data.length) as unknown as ArrayLike<number>, at);
    at += data.length;
  }
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.partial`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
