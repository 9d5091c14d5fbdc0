// Step 1: raw source files → validated, deduplicated, sessionized, labelled, split dataset
// (Arrow IPC + manifest) with every rejected row kept, with its reason, in the rejects table.
import { DataFileError, loadSource, preprocess, writeDataset } from '../../data';
import { withRawLines } from '../../data/reject-raw-lines';
import { InvalidInputError } from '../errors';
import { sourceForPartition } from '../spec';
import { defineStep } from '../step';
import { sourceFilesOf } from './source-files';

export const preprocessStep = defineStep({
  step: 'preprocess',
  module: __filename,
  config: (spec) => sourceForPartition(spec),
  sourceFiles: (source) => sourceFilesOf(source),
  async run(ctx, source) {
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
    ctx.heartbeat({ phase: 'recovering the raw lines of rejected rows' });
    await writeDataset(ctx.outDir, dataset, { rejects: await withRawLines(result.rejects), info: { summary } });
    return {
      metrics: {
        eventsValid: summary.eventsValid, eventsKept: summary.eventsKept, rejects: summary.rejects,
        users: summary.users, items: summary.items, train: summary.split.train, valid: summary.split.valid, test: summary.split.test,
        // the names are in the manifest's summary; the counts make them visible beside the run
        itemsWithoutEvents: summary.itemsWithoutEvents, itemsPruned: summary.itemsPruned,
        unknownColumns: Object.values(summary.unknownColumns).reduce((n, cols) => n + cols.length, 0),
      },
    };
  },
});
