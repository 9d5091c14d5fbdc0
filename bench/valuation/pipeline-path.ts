// The pipeline's own path from a preprocessed dataset to values and to test metrics, called
// in memory so one pretrained encoder serves every method and every fine-tune of a setting:
//   pretrain (as the pretrain step) → per-interaction contexts and the validation utility
//   (as the value step) → valueImplicitFeedback + valueData → (for quarantine 'everywhere',
//   the valued pretrain on the kept rows) → finetune → evaluateModel (the infer step's
//   full-ranking evaluation through the exported ONNX scorer).
// The context/validation assembly is the value step's own `valuationInputs`;
// `checkAgainstValueStep` still runs the real step on the same data and model and compares,
// so the bench proves it values exactly what the pipeline values.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SplitDataset } from '../../shared/data';
import { writeDataset } from '../../shared/data';
import type { RecModel } from '../../shared/ml/encoder';
import { finetune, type FinetuneExamples } from '../../shared/ml/finetune';
import { pretrain } from '../../shared/ml/pretrain';
import { valuationSeed, type LabelledView, type LabelledViewValuation, type PipelineSpec } from '../../shared/pipeline/spec';
import { localStepContext } from '../../shared/pipeline/step';
import { historyOf, itemTextTokens } from '../../shared/pipeline/steps/dataset-input';
import { evaluateModel, evaluateOnValidation } from '../../shared/pipeline/steps/infer';
import { valuedFinetuneInput } from '../../shared/pipeline/steps/finetune';
import { readFloat64 } from '../../shared/pipeline/steps/typed-files';
import { methodRun, valuationInputs, valueStep, type ValuationInputs } from '../../shared/pipeline/steps/value';
import { valueImplicitFeedback } from '../../shared/valuation/implicit';
import { valueWith, type MethodRun } from '../../shared/valuation/methods';
import { aggregateByUnit, unitOfRows } from '../../shared/valuation/units';
import { valuedModelData } from '../../shared/valuation/quarantine';
import { pretrainsOnKept } from '../../shared/pipeline/step-table';

export interface Pretrained {
  readonly model: RecModel;
  /** the final epoch's checkpoint folder (what the pretrain step publishes) */
  readonly checkpointDir: string;
  readonly seconds: number;
  dispose(): Promise<void>;
}

export function disposeModel(model: RecModel): void {
  for (const v of model.params.values()) v.dispose();
}

export async function pretrainOn(ds: SplitDataset, spec: PipelineSpec): Promise<Pretrained> {
  const root = await mkdtemp(path.join(tmpdir(), 'assay-bench-pretrain-'));
  const started = performance.now();
  const result = await pretrain({ numItems: ds.numItems, sequences: historyOf(ds, false), itemText: itemTextTokens(ds) }, spec.pretrain, { checkpointDir: root });
  if (!result.checkpointDir) throw new Error('pretrain finished without a checkpoint');
  return {
    model: result.model,
    checkpointDir: result.checkpointDir,
    seconds: (performance.now() - started) / 1000,
    async dispose() {
      disposeModel(result.model);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** What every method of one setting values against: computed once per pretrained model. */
/** What valuation reads, assembled exactly as the value step does (shared code), with the valuation seed of `spec`. */
export async function valuationInputsTimed(ds: SplitDataset, model: RecModel, view: LabelledView, spec: PipelineSpec): Promise<ValuationInputs & { seconds: number }> {
  const started = performance.now();
  const inputs = await valuationInputs(ds, model, view, valuationSeed(spec));
  return { ...inputs, seconds: (performance.now() - started) / 1000 };
}

/**
 * One value per training interaction (unit 'interaction'), as the value step computes it with
 * `valuation` in place of the spec's; `override` is laid over the method's config.
 */
export async function valueTraining(ds: SplitDataset, inputs: ValuationInputs, valuation: LabelledViewValuation, spec: PipelineSpec, override?: object): Promise<Float64Array> {
  const run = methodRun(valuation, valuationSeed({ ...spec, valuation }));
  const withOverride = { ...run, config: { ...run.config, ...override } } as MethodRun;
  const values = await valueImplicitFeedback(
    { context: inputs.trainContext, items: ds.train.item },
    { context: inputs.validContext, items: inputs.validItems },
    inputs.itemEmb,
    (train, valid) => valueWith(withOverride, train, valid),
    { negatives: valuation.negatives, seed: spec.pretrain.seed },
  );
  return aggregateByUnit(values, unitOfRows(ds.train, valuation.unit)).broadcast;
}

/**
 * Runs the real value step (dataset written as Arrow, the pretrain checkpoint as its input)
 * with `method` and returns the largest absolute difference to `values`.
 */
export async function checkAgainstValueStep(ds: SplitDataset, pretrained: Pretrained, spec: PipelineSpec, values: Float64Array): Promise<number> {
  const root = await mkdtemp(path.join(tmpdir(), 'assay-bench-value-step-'));
  try {
    const datasetDir = path.join(root, 'preprocess');
    const outDir = path.join(root, 'value');
    await writeDataset(datasetDir, ds);
    const run = { runId: 'bench', executionId: 'bench', dataset: ds.name, partition: 'full', codeVersion: 'bench' };
    const ctx = localStepContext({ run, inputs: {}, noCache: true }, { inputs: { preprocess: datasetDir, pretrain: pretrained.checkpointDir }, outDir, backend: 'bench' });
    await mkdir(outDir, { recursive: true });
    await valueStep.run(ctx, valueStep.config(spec, ctx.request));
    const stepValues = await readFloat64(path.join(outDir, 'values.f64'));
    if (stepValues.length !== values.length) return Infinity;
    let worst = 0;
    for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(stepValues[i]! - values[i]!));
    return worst;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface FinetuneOutcome {
  readonly ndcg: number;
  readonly hitRate: number;
  /** NDCG@K per evaluated test user (NaN where undefined), in `users` order */
  readonly ndcgPerUser: Float32Array;
  readonly users: Int32Array;
  /** NDCG@K on the validation split: what a choice between fine-tunes is made on */
  readonly validNdcg: number;
  readonly examples: number;
  readonly trainSeconds: number;
  /** seconds per fine-tuning epoch */
  readonly epochSeconds: number;
}

/**
 * The fine-tune step, then the infer step's evaluation: the control on every row with weight 1
 * (`examples` undefined), or the valued fine-tune on `examples` as the steps train and score it
 * (spec.valuation's quarantine mode — with 'everywhere', from a pretrain on the kept rows and
 * from histories without the rest — and its truncated loss). `pretrained` (the shared pretrain) may
 * be left out only where that mode pretrains on the kept rows, which never reads it.
 */
export async function finetuneAndEvaluate(ds: SplitDataset, pretrained: Pretrained | undefined, spec: PipelineSpec, examples?: FinetuneExamples): Promise<FinetuneOutcome> {
  if (examples && pretrainsOnKept(spec.valuation.quarantine)) {
    const valuedPretrained = await pretrainOn(valuedModelData(ds, examples.indices, spec.valuation.quarantine), spec);
    try {
      return await finetuneFrom(ds, valuedPretrained, spec, examples);
    } finally {
      await valuedPretrained.dispose();
    }
  }
  if (!pretrained) throw new Error(`finetuneAndEvaluate: ${examples ? `quarantine '${spec.valuation.quarantine}'` : 'the control'} fine-tunes from the shared pretrain, and none was given`);
  return finetuneFrom(ds, pretrained, spec, examples);
}

async function finetuneFrom(ds: SplitDataset, pretrained: Pretrained, spec: PipelineSpec, examples?: FinetuneExamples): Promise<FinetuneOutcome> {
  const root = await mkdtemp(path.join(tmpdir(), 'assay-bench-finetune-'));
  try {
    const started = performance.now();
    const input = examples ? valuedFinetuneInput(spec, ds.train, examples) : { train: ds.train, examples: undefined, config: spec.finetune };
    const result = await finetune({ numUsers: ds.numUsers, numItems: ds.numItems, train: input.train, examples: input.examples }, pretrained.model, input.config, { checkpointDir: root });
    const trainSeconds = (performance.now() - started) / 1000;
    const reads = examples ? valuedModelData(ds, examples.indices, spec.valuation.quarantine) : ds;
    try {
      const valid = await evaluateOnValidation(result.model, ds, spec, reads);
      const { result: evaluation } = await evaluateModel(result.model, ds, spec, { reads });
      return {
        ndcg: evaluation.means.ndcg,
        hitRate: evaluation.means.hitRate,
        ndcgPerUser: evaluation.perUser.ndcg,
        users: evaluation.perUser.users,
        validNdcg: valid.means.ndcg,
        examples: examples?.indices.length ?? ds.train.length,
        trainSeconds,
        epochSeconds: trainSeconds / Math.max(1, result.epochsDone),
      };
    } finally {
      disposeModel(result.model);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
