// Step 1: raw source files → validated, deduplicated, sessionized, labelled, split dataset
// (Arrow IPC + manifest) with every rejected row kept, with its reason, in the rejects table.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataFileError, loadSource, preprocess, writeDataset } from '../../data';
import { InvalidInputError } from '../errors';
import { sourceForPartition, type PipelineSpec } from '../spec';
import type { StepDefinition } from '../step';

/** The source files by role: the spec's `paths` keys, or each file's name in a dataset folder. */
async function filesOf(source: PipelineSpec['source']): Promise<Record<string, string>> {
  if ('paths' in source) return Object.fromEntries(Object.entries(source.paths).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const dir = source.path;
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidInputError(`source.path ${dir} is not a folder; point it at the dataset folder (e.g. ../shared/data/ml-100k)`);
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  return Object.fromEntries(names.map((name) => [name, path.join(dir, name)]));
}

export const preprocessStep: StepDefinition = {
  step: 'preprocess',
  module: __filename,
  config: (spec) => sourceForPartition(spec as PipelineSpec),
  sourceFiles: (spec) => filesOf(sourceForPartition(spec as PipelineSpec)),
  async run(ctx) {
    const spec = ctx.request.spec as PipelineSpec;
    const source = sourceForPartition(spec);
    ctx.heartbeat({ phase: 'reading and validating' });
    let raw;
    try {
      raw = await loadSource(source);
    } catch (err) {
      if (err instanceof DataFileError) throw new InvalidInputError(err.message);
      throw err;
    }
    ctx.heartbeat({ phase: 'cleaning, sessionizing, splitting' });
    const result = await preprocess(raw, source.preprocess);
    const { summary, dataset } = result;
    if (dataset.train.length === 0) {
      throw new InvalidInputError(`no training interactions are left after validation (${summary.rejects} rows rejected: ${JSON.stringify(summary.rejectsByReason)}); see the reasons above and fix the source data`);
    }
    await writeDataset(ctx.outDir, dataset, { rejects: result.rejects, info: { summary } });
    return {
      metrics: {
        eventsValid: summary.eventsValid, eventsKept: summary.eventsKept, rejects: summary.rejects,
        users: summary.users, items: summary.items, train: summary.split.train, valid: summary.split.valid, test: summary.split.test,
      },
    };
  },
};
