// Reading what earlier steps wrote: the preprocessed dataset and model checkpoints, from the
// input folders the step runner downloaded.
import { copyFile, readdir, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readDataset, sequencesOf, type SplitDataset } from '../../data';
import type { TokenCsr } from '../../ml/vocabulary';
import type { InteractionTable, UserSequences } from '../../data/types';
import type { StepContext } from '../step';
import { readInt32 } from './typed-files';

export function inputFolder(ctx: StepContext, group: string): string {
  const dir = ctx.inputs[group];
  if (!dir) throw new Error(`step ${ctx.request.run.runId}: input '${group}' is missing (inputs: ${Object.keys(ctx.inputs).join(', ') || 'none'}); the workflow must pass the ${group} outputs`);
  return dir;
}

export function readInputDataset(ctx: StepContext): Promise<SplitDataset> {
  return readDataset(inputFolder(ctx, 'preprocess'));
}

/** The value step's file of the train rows it selected for the valued model. */
export const SELECTED_ROWS_FILE = 'selected.i32';

/** The train rows the value step selected for the valued model. */
export function readSelectedRows(ctx: StepContext): Promise<Int32Array> {
  return readInt32(path.join(inputFolder(ctx, 'value'), SELECTED_ROWS_FILE));
}

export function itemTextTokens(ds: SplitDataset): TokenCsr | undefined {
  return ds.tokens ? { offsets: ds.tokens.offsets, ids: ds.tokens.ids, vocabSize: ds.tokens.vocab.length } : undefined;
}

/** The train and validation interactions as one table (what a user has seen before test). */
export function trainAndValid(ds: SplitDataset): InteractionTable {
  const n = ds.train.length + ds.valid.length;
  const cat = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T, b: T): T => {
    const out = new (a.constructor as new (n: number) => T)(n);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  };
  const t = ds.train;
  const v = ds.valid;
  return { length: n, user: cat(t.user, v.user), item: cat(t.item, v.item), ts: cat(t.ts, v.ts), type: cat(t.type, v.type), session: cat(t.session, v.session), relevance: cat(t.relevance, v.relevance), query: cat(t.query, v.query) };
}

/** Each user's train history, plus the validation interactions when scoring the test split. */
export function historyOf(ds: SplitDataset, withValid: boolean): UserSequences {
  return sequencesOf(withValid ? trainAndValid(ds) : ds.train, ds.numUsers);
}

/** Copies a finished checkpoint folder into the step's outputs (they are flat files). */
export async function publishCheckpoint(checkpointDir: string, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const file of await readdir(checkpointDir)) await copyFile(path.join(checkpointDir, file), path.join(outDir, file));
}
