// Step 2: self-supervised pretraining — masked item modeling over user sequences plus masked
// token modeling over item text — resumable from the newest checkpoint.
import { pretrain } from '../../ml/pretrain';
import { InvalidInputError } from '../errors';
import { defineStep } from '../step';
import { itemTextTokens, publishCheckpoint, readInputDataset, historyOf } from './dataset-input';
import { StepCancelledError, trainingRunFor } from './training-run';

export const pretrainStep = defineStep({
  step: 'pretrain',
  module: __filename,
  config: (spec) => spec.pretrain,
  async run(ctx, config) {
    const ds = await readInputDataset(ctx);
    if (ds.numItems < 2) throw new InvalidInputError(`the dataset has ${ds.numItems} item(s); pretraining needs at least 2`);
    const buckets = config.encoder.priceBuckets;
    if (buckets !== undefined && !ds.itemPrice?.some((p) => !Number.isNaN(p))) {
      throw new InvalidInputError(`pretrain.encoder.priceBuckets=${buckets} makes price an item feature, but the dataset has no item prices; add a price column to the items file (docs/data-format.md) or leave priceBuckets out`);
    }
    const started = performance.now();
    const result = await pretrain(
      { numItems: ds.numItems, sequences: historyOf(ds, false), itemText: itemTextTokens(ds), ...(ds.itemPrice ? { itemPrice: ds.itemPrice } : {}) },
      config,
      await trainingRunFor(ctx, config.epochs, 'pretrain'),
    );
    if (result.stopped) throw new StepCancelledError(`pretrain stopped on cancellation after epoch ${result.epochsDone}`);
    if (!result.checkpointDir) throw new Error('pretrain finished without a checkpoint');
    await publishCheckpoint(result.checkpointDir, ctx.outDir);
    return {
      metrics: {
        loss: result.lossHistory[result.lossHistory.length - 1] ?? Number.NaN,
        epochs: result.epochsDone,
        examplesPerSecond: result.examplesPerSecond,
        trainSeconds: (performance.now() - started) / 1000,
        resumedFromEpoch: ctx.resumeEpoch ?? 0,
      },
    };
  },
});
