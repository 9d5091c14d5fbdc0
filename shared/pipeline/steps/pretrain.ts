// Step 2: self-supervised pretraining — masked item modeling over user sequences plus masked
// token modeling over item text — resumable from the newest checkpoint. With spec.itemText on, the
// items' texts are first encoded by the pretrained sentence encoder (cached per text version,
// published as ITEM_TEXT_FILE) and the model carries them from here to inference.
// The valued variant (valuation.quarantine 'everywhere') pretrains again on the value step's
// selected interactions only, so the quarantine leaves the item table too.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pretrain } from '../../ml/pretrain';
import { InvalidInputError } from '../errors';
import type { PipelineSpec } from '../spec';
import { defineStep, type StepContext } from '../step';
import { itemTextTokens, publishCheckpoint, readInputDataset, readSelectedRows, historyOf } from './dataset-input';
import { keptTable } from '../../valuation/quarantine';
import { groupOf } from '../step-table';
import { StepCancelledError, trainingRunFor } from './training-run';
import type { SplitDataset } from '../../data/types';
import type { ItemTextConfig } from '../../ml/config';
import { ITEM_TEXT_FILE, itemTextEmbeddings, loadItemTextEncoder, textEmbeddingCacheDir } from '../../text/item-text';
import { TextModelNotInstalledError } from '../../text/model-location';
import { encodeTextEmbeddingTable } from '../../text/text-embedding-table';

export const pretrainStep = defineStep({
  step: 'pretrain',
  module: __filename,
  // item text enters the fingerprint only when on, so runs without it keep their cached steps
  config: (spec): PipelineSpec['pretrain'] & { itemText?: PipelineSpec['itemText'] } => (spec.itemText.enabled ? { ...spec.pretrain, itemText: spec.itemText } : spec.pretrain),
  async run(ctx, slice) {
    const { itemText, ...config } = slice;
    const ds = ctx.request.variant === 'valued' ? await selectedOnly(ctx) : await readInputDataset(ctx);
    if (ds.numItems < 2) throw new InvalidInputError(`the dataset has ${ds.numItems} item(s); pretraining needs at least 2`);
    const buckets = config.encoder.priceBuckets;
    if (buckets !== undefined && !ds.itemPrice?.some((p) => !Number.isNaN(p))) {
      throw new InvalidInputError(`pretrain.encoder.priceBuckets=${buckets} makes price an item feature, but the dataset has no item prices; add a price column to the items file (docs/data-format.md) or leave priceBuckets out`);
    }
    const started = performance.now();
    const text = itemText?.enabled ? await encodeItemText(ds, itemText, ctx) : undefined;
    const result = await pretrain(
      { numItems: ds.numItems, sequences: historyOf(ds, false), itemText: itemTextTokens(ds), ...(ds.itemPrice ? { itemPrice: ds.itemPrice } : {}), ...(text && { itemTextEmbeddings: text.embeddings }) },
      config,
      await trainingRunFor(ctx, config.epochs, groupOf('pretrain', ctx.request.variant)),
    );
    if (result.stopped) throw new StepCancelledError(`pretrain stopped on cancellation after epoch ${result.epochsDone}`);
    if (!result.checkpointDir) throw new Error('pretrain finished without a checkpoint');
    await publishCheckpoint(result.checkpointDir, ctx.outDir);
    return {
      metrics: {
        loss: result.lossHistory[result.lossHistory.length - 1] ?? Number.NaN,
        epochs: result.epochsDone,
        trainInteractions: ds.train.length,
        examplesPerSecond: result.examplesPerSecond,
        trainSeconds: (performance.now() - started) / 1000,
        resumedFromEpoch: ctx.resumeEpoch ?? 0,
        ...(text && { itemTextsEncoded: text.encoded, itemTextsCached: text.cached, itemTextSeconds: text.seconds }),
      },
    };
  },
});

/** The dataset with only the train rows the value step selected. */
async function selectedOnly(ctx: StepContext): Promise<SplitDataset> {
  const ds = await readInputDataset(ctx);
  return { ...ds, train: keptTable(ds.train, await readSelectedRows(ctx)).table };
}

/**
 * The frozen text embedding of every item (spec.itemText): encoded through the tool cache, and
 * published as the step's ITEM_TEXT_FILE. A missing model fails the step at once with the command
 * that installs it: retrying cannot install it.
 */
async function encodeItemText(ds: SplitDataset, config: ItemTextConfig, ctx: StepContext) {
  ctx.heartbeat({ phase: 'encoding item text' });
  const started = performance.now();
  let encoder;
  try {
    encoder = await loadItemTextEncoder(config);
  } catch (err) {
    if (err instanceof TextModelNotInstalledError) throw new InvalidInputError(err.message, 'itemText.enabled');
    throw err;
  }
  const result = await itemTextEmbeddings(encoder, ds.itemText, textEmbeddingCacheDir()).finally(() => encoder.close());
  await writeFile(path.join(ctx.outDir, ITEM_TEXT_FILE), encodeTextEmbeddingTable(result.table));
  return { ...result, seconds: (performance.now() - started) / 1000 };
}
