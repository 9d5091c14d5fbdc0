// A checkpoint is a directory: `tensors.bin` (every array, float32 little-endian, back to
// back) and `checkpoint.json` (metadata, the name/shape/offset of each array and the
// digest of tensors.bin). It is written under a temporary name and renamed into place, so
// a directory that exists is complete; loading verifies the digest before trusting it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamedWeights } from './encoder';

export const CHECKPOINT_FORMAT = 'assay-ml-checkpoint/1';

interface TensorEntry {
  name: string;
  shape: number[];
  /** offset in float32 elements */
  offset: number;
  length: number;
}

export interface CheckpointFile<M> {
  readonly meta: M;
  readonly tensors: NamedWeights;
}

export async function saveCheckpoint<M>(dir: string, checkpoint: CheckpointFile<M>): Promise<void> {
  const entries: TensorEntry[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(checkpoint.tensors)) {
    entries.push({ name, shape: [...t.shape], offset: total, length: t.data.length });
    total += t.data.length;
  }
  const flat = new Float32Array(total);
  for (const e of entries) flat.set((checkpoint.tensors[e.name] as { data: Float32Array }).data, e.offset);
  const bytes = Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await writeFile(join(partial, 'tensors.bin'), bytes);
  await writeFile(join(partial, 'checkpoint.json'), JSON.stringify({ format: CHECKPOINT_FORMAT, meta: checkpoint.meta, sha256, tensors: entries }, null, 1));
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
}

export async function loadCheckpoint<M>(dir: string): Promise<CheckpointFile<M>> {
  const jsonPath = join(dir, 'checkpoint.json');
  if (!existsSync(jsonPath)) throw new Error(`No checkpoint at ${dir}: ${jsonPath} is missing (pass the directory a training run wrote)`);
  const header = JSON.parse(await readFile(jsonPath, 'utf8')) as { format: string; meta: M; sha256: string; tensors: TensorEntry[] };
  if (header.format !== CHECKPOINT_FORMAT) throw new Error(`${jsonPath}: format '${header.format}' is not ${CHECKPOINT_FORMAT}`);
  const bytes = await readFile(join(dir, 'tensors.bin'));
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== header.sha256) throw new Error(`${join(dir, 'tensors.bin')}: sha256 ${digest} does not match ${header.sha256} in checkpoint.json; the checkpoint is corrupt, resume from an earlier one`);
  const flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensors: NamedWeights = {};
  for (const e of header.tensors) tensors[e.name] = { shape: e.shape, data: flat.slice(e.offset, e.offset + e.length) };
  return { meta: header.meta, tensors };
}
