// Step 4: supervised ranking fine-tune from the pretrained encoder. The valued variant trains
// on the selected set S with weights (1 + λ·α·v̂); the control trains on everything with
// weight 1 (λ = 0, keep = 1) — the comparison every run reports.
import path from 'node:path';
import { finetune } from '../../ml/finetune';
import type { PipelineSpec } from '../spec';
import { defineStep } from '../step';
import { inputFolder, publishCheckpoint, readInputDataset } from './dataset-input';
import { readFloat32, readInt32 } from './typed-files';
import { StepCancelledError, trainingRunFor } from './training-run';
import { EarlyStopping } from './early-stopping';
import { evaluateOnValidation } from './infer';
import { loadModel } from '../../ml/load-model';
import { disposeModel } from '../../ml/encoder';
import type { SplitDataset } from '../../data/types';

export const finetuneStep = defineStep({
  step: 'finetune',
  module: __filename,
  // early stopping scores validation with the infer settings, so then they are read (and covered) too
  config: (s, call) => ({
    finetune: s.finetune,
    ...(call.variant === 'valued' ? { selection: { keep: s.valuation.keep, threshold: s.valuation.threshold, lambda: s.valuation.lambda, alpha: s.valuation.alpha } } : {}),
    ...(s.finetune.earlyStopping ? { infer: s.infer } : {}),
  }),
  async run(ctx, spec) {
    const ds = await readInputDataset(ctx);
    const valued = ctx.request.variant === 'valued';
    const examples = valued
      ? { indices: await readInt32(path.join(inputFolder(ctx, 'value'), 'selected.i32')), weights: await readFloat32(path.join(inputFolder(ctx, 'value'), 'weights.f32')) }
      : undefined;
    const started = performance.now();
    const label = `finetune-${ctx.request.variant ?? 'valued'}`;
    const run = await trainingRunFor(ctx, spec.finetune.epochs, label);
    const validation = spec.infer;
    const stopping = spec.finetune.earlyStopping && validation ? new EarlyStopping(spec.finetune.earlyStopping, (dir) => validationNdcg(dir, ds, { infer: validation })) : undefined;
    const result = await finetune(
      { numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train, examples },
      inputFolder(ctx, 'pretrain'),
      spec.finetune,
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

/** Validation NDCG@k of the model in a checkpoint directory (the test split stays unseen). */
async function validationNdcg(checkpointDir: string, ds: SplitDataset, spec: Pick<PipelineSpec, 'infer'>): Promise<number> {
  const { model } = await loadModel(checkpointDir);
  try {
    return (await evaluateOnValidation(model, ds, spec)).means.ndcg;
  } finally {
    disposeModel(model);
  }
}
