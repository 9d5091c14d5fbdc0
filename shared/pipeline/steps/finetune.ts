// Step 4: supervised ranking fine-tune from the pretrained encoder. The valued variant trains
// on the selected set S with weights (1 + λ·α·v̂); the control trains on everything with
// weight 1 (λ = 0, keep = 1) — the comparison every run reports.
import path from 'node:path';
import { finetune } from '../../ml/finetune';
import type { PipelineSpec } from '../spec';
import type { StepDefinition } from '../step';
import { inputFolder, publishCheckpoint, readInputDataset } from './dataset-input';
import { readFloat32, readInt32 } from './typed-files';
import { StepCancelledError, trainingRunFor } from './training-run';

export const finetuneStep: StepDefinition = {
  step: 'finetune',
  module: __filename,
  config: (spec, request) => {
    const s = spec as PipelineSpec;
    return request.variant === 'valued' ? { finetune: s.finetune, selection: { keep: s.valuation.keep, threshold: s.valuation.threshold, lambda: s.valuation.lambda, alpha: s.valuation.alpha } } : { finetune: s.finetune };
  },
  async run(ctx) {
    const spec = ctx.request.spec as PipelineSpec;
    const ds = await readInputDataset(ctx);
    const valued = ctx.request.variant === 'valued';
    const examples = valued
      ? { indices: await readInt32(path.join(inputFolder(ctx, 'value'), 'selected.i32')), weights: await readFloat32(path.join(inputFolder(ctx, 'value'), 'weights.f32')) }
      : undefined;
    const started = performance.now();
    const result = await finetune(
      { numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train, examples },
      inputFolder(ctx, 'pretrain'),
      spec.finetune,
      await trainingRunFor(ctx, spec.finetune.epochs, `finetune-${ctx.request.variant ?? 'valued'}`),
    );
    if (result.stopped) throw new StepCancelledError(`fine-tune stopped on cancellation after epoch ${result.epochsDone}`);
    if (!result.checkpointDir) throw new Error('fine-tune finished without a checkpoint');
    await publishCheckpoint(result.checkpointDir, ctx.outDir);
    return {
      metrics: {
        loss: result.lossHistory[result.lossHistory.length - 1] ?? Number.NaN,
        epochs: result.epochsDone,
        trainExamples: examples?.indices.length ?? ds.train.length,
        trainSeconds: (performance.now() - started) / 1000,
        examplesPerSecond: result.examplesPerSecond,
      },
    };
  },
};
