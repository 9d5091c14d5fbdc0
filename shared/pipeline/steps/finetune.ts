// Step 4: supervised ranking fine-tune from the pretrained encoder. The valued variant trains
// on the selected set S with weights (1 + λ·α·v̂), from the valued pretrain where the
// quarantine leaves everything (shared/valuation/quarantine.ts); the control trains on everything with
// weight 1 (λ = 0, keep = 1) — the comparison every run reports. finetune.exampleWeight
// multiplies both variants' weights by the events' quantity or value (example-weights.ts).
import path from 'node:path';
import { finetune } from '../../ml/finetune';
import { epochsTrainedByValueStep, selectionRule, type PipelineSpec } from '../spec';
import { defineStep } from '../step';
import { inputFolder, publishCheckpoint, readInputDataset, readSelectedRows } from './dataset-input';
import { readFloat32 } from './typed-files';
import { fineTuningData, valuedModelData, type SelectedExamples } from '../../valuation/quarantine';
import { StepCancelledError, trainingRunFor } from './training-run';
import { EarlyStopping } from './early-stopping';
import { evaluateOnValidation } from './infer';
import { loadModel } from '../../ml/load-model';
import { disposeModel } from '../../ml/encoder';
import type { InteractionTable, SplitDataset } from '../../data/types';
import { columnWeights, weighExamples } from '../../ml/example-weights';
import { InvalidInputError } from '../errors';
import { pretrainsOnKept } from '../step-table';

export const finetuneStep = defineStep({
  step: 'finetune',
  module: __filename,
  // early stopping scores validation with the infer settings, so then they are read (and covered) too
  config: (s, call) => {
    const v = s.valuation;
    const continuesAfterEpochs = epochsTrainedByValueStep(v);
    return {
      finetune: s.finetune,
      ...(call.variant === 'valued' ? { selection: { ...selectionRule(v), quarantine: v.quarantine, truncate: v.truncate, ...(continuesAfterEpochs > 0 && { continuesAfterEpochs }) } } : {}),
      ...(s.finetune.earlyStopping ? { infer: s.infer } : {}),
    };
  },
  async run(ctx, spec) {
    const ds = await readInputDataset(ctx);
    const valued = ctx.request.variant === 'valued';
    // column weights come from the whole train table and go in before the quarantine cuts it,
    // so a row weighs the same in both variants
    const rowWeights = columnWeightsOf(ds, spec.finetune.exampleWeight);
    const selection = valued ? selectionOf(spec) : undefined;
    const selected = selection ? await readSelectedRows(ctx) : undefined;
    const input = selection && selected
      ? valuedFinetuneInput({ finetune: spec.finetune, valuation: selection }, ds.train, weighSelected({ indices: selected, weights: await readFloat32(path.join(inputFolder(ctx, 'value'), 'weights.f32')) }, rowWeights))
      : { train: ds.train, examples: rowWeights ? weighExamples(undefined, rowWeights) : undefined, config: spec.finetune };
    const { examples } = input;
    // values refreshed during the fine-tune: the value step trained its first epochs (spec.ts refreshes)
    const startedEpochs = selection?.continuesAfterEpochs ?? 0;
    const config = { ...input.config, epochs: input.config.epochs - startedEpochs };
    // validated from the histories the model will read at inference
    const reads = selection && selected ? valuedModelData(ds, selected, selection.quarantine) : ds;
    const started = performance.now();
    const label = `finetune-${ctx.request.variant ?? 'valued'}`;
    const run = await trainingRunFor(ctx, config.epochs, label);
    const validation = spec.infer;
    const stopping = spec.finetune.earlyStopping && validation ? new EarlyStopping(spec.finetune.earlyStopping, (dir) => validationNdcg(dir, ds, { infer: validation }, reads)) : undefined;
    const result = await finetune(
      { numUsers: ds.numUsers, numItems: ds.numItems, train: input.train, examples },
      inputFolder(ctx, startedEpochs > 0 ? 'value' : selection && pretrainsOnKept(selection.quarantine) ? 'valued-pretrain' : 'pretrain'),
      config,
      stopping
        ? {
            ...run,
            async onEpoch(p) {
              await run.onEpoch?.(p);
              const scored = await stopping.afterEpoch(p);
              if (scored) run.log?.(`validation NDCG@${validation?.k} after epoch ${scored.epoch}: ${scored.score.toFixed(4)} (best ${stopping.best!.score.toFixed(4)} at epoch ${stopping.best!.epoch})`);
            },
            // the loop's own stop between batches: the next epoch ends before its first batch
            shouldStop: () => (run.shouldStop?.() ?? false) || stopping.shouldStop,
          }
        : run,
    );
    const stoppedEarly = stopping?.shouldStop ?? false;
    if (result.stopped && !(stoppedEarly && !ctx.cancelled())) throw new StepCancelledError(`fine-tune stopped on cancellation after epoch ${result.epochsDone}`);
    if (!result.checkpointDir) throw new Error('fine-tune finished without a checkpoint');
    if (stopping && !stoppedEarly) await stopping.afterEpoch({ epoch: result.epochsDone, checkpointDir: result.checkpointDir }, true);
    const chosen = stopping?.best ?? { epoch: result.epochsDone, checkpointDir: result.checkpointDir };
    if (stopping) run.log?.(`early stopping: ${stoppedEarly ? `stopped after epoch ${result.epochsDone}` : `ran all ${result.epochsDone} epochs`}; publishing epoch ${chosen.epoch}`);
    await publishCheckpoint(chosen.checkpointDir, ctx.outDir);
    return {
      metrics: {
        loss: result.lossHistory[result.lossHistory.length - 1] ?? Number.NaN,
        epochs: result.epochsDone,
        ...(stopping?.best ? { bestEpoch: stopping.best.epoch, validNdcg: stopping.best.score } : {}),
        trainExamples: examples?.indices.length ?? ds.train.length,
        trainSeconds: (performance.now() - started) / 1000,
        examplesPerSecond: result.examplesPerSecond,
      },
    };
  },
});

/** Each train row's weight from the spec's column (both variants, so the comparison stays fair); none without one. */
function columnWeightsOf(ds: SplitDataset, column: PipelineSpec['finetune']['exampleWeight']): Float32Array | undefined {
  if (column === undefined || column === 'none') return undefined;
  if (!ds.train[column]) throw new InvalidInputError(`finetune.exampleWeight is '${column}' but the events have no ${column} column; add it to the events file (docs/data-format.md) or leave exampleWeight out`);
  return columnWeights(ds.train, column);
}

function weighSelected(selected: SelectedExamples, rowWeights: Float32Array | undefined): SelectedExamples {
  return rowWeights ? weighExamples(selected, rowWeights) : selected;
}

/**
 * What the valued fine-tune trains on and with: the selected examples, without the quarantined
 * interactions where `valuation.quarantine` is not 'context', and the truncated loss where
 * `valuation.truncate` is set (the control is plain fine-tuning).
 */
export function valuedFinetuneInput(spec: { finetune: PipelineSpec['finetune']; valuation: Pick<PipelineSpec['valuation'], 'quarantine' | 'truncate'> }, train: InteractionTable, selected: SelectedExamples): { train: InteractionTable; examples: SelectedExamples; config: PipelineSpec['finetune'] } {
  const data = fineTuningData(train, selected, spec.valuation.quarantine);
  return { ...data, config: spec.valuation.truncate ? { ...spec.finetune, truncate: spec.valuation.truncate } : spec.finetune };
}

/** What the valued fine-tune reads of the valuation: the quarantine, the truncated loss, and the epochs the value step already trained. */
type ValuedSelection = Pick<PipelineSpec['valuation'], 'quarantine' | 'truncate'> & { continuesAfterEpochs?: number };

/** The valued variant's selection settings, which its slice always carries. */
function selectionOf(slice: { selection?: ValuedSelection }): ValuedSelection {
  if (!slice.selection) throw new Error('the valued fine-tune needs the selection settings in its config slice');
  return slice.selection;
}

/** Validation NDCG@k of the model in a checkpoint directory (the test split stays unseen). */
async function validationNdcg(checkpointDir: string, ds: SplitDataset, spec: Pick<PipelineSpec, 'infer'>, reads: SplitDataset): Promise<number> {
  const { model } = await loadModel(checkpointDir);
  try {
    return (await evaluateOnValidation(model, ds, spec, reads)).means.ndcg;
  } finally {
    disposeModel(model);
  }
}
