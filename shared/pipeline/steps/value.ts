// Step 3: a value for every training interaction (aggregated to the configured unit), then
// the important set S, its weights (1 + λ·α·v̂) and the quarantine set for step 5.
// Implicit feedback is valued through its labelled view: (context, observed item) positives
// against sampled negatives, embedded by the pretrained encoder (shared/valuation/implicit.ts).
import path from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { loadModel } from '../../ml/load-model';
import { itemEmbeddings } from '../../ml/scoring';
import { crossFitValues, type CrossFitHooks } from '../../valuation/cross-fit';
import type { FinetuneConfigInput } from '../../ml/config';
import { trainingDynamicsValues } from '../../valuation/training-dynamics';
import { scheduledDynamicsValues, type ScheduleSettings } from '../../valuation/dynamics-schedule';
import { dealRecValues } from '../../valuation/dealrec';
import { tracinOutputValues } from '../../valuation/tracin-output';
import { valueImplicitFeedback } from '../../valuation/implicit';
import { valueWith, type MethodRun } from '../../valuation/methods';
import { selectImportant } from '../../valuation/selection';
import { aggregateByUnit, unitOfRows } from '../../valuation/units';
import { ValuationInputError } from '../../valuation/errors';
import { InvalidInputError } from '../errors';
import { DEFAULT_KEEP, isTrainedValuation, selectionRule, valuationSeed, type LabelledView, type LabelledViewValuation, type PipelineSpec, type TrainedValuationMethod, type ValuationOf } from '../spec';
import { defineStep, type StepContext } from '../step';
import type { Matrix, SplitDataset } from '../../data/types';
import { disposeModel, type RecModel } from '../../ml/encoder';
import { historyOf, inputFolder, publishCheckpoint, readInputDataset, SELECTED_ROWS_FILE } from './dataset-input';
import { seededRowSample } from '../../random';
import { allRows, contextsBefore, embedContexts } from './contexts';
import { writeTyped } from './typed-files';
import { searchClickValues } from '../../search/pipeline-search-values';
import { refuseBadSearchInput } from './search-input';

/** The value step's search click values (infer.search.valuation): entries of the search task's logged results, and their values. */
export const SEARCH_CLICKS_FILE = 'search-clicks.i32';
export const SEARCH_VALUES_FILE = 'search-values.f64';

/** The valuation method of a labelled-view valuation with the config it reads; `seed` is the valuation's. */
export function methodRun(v: LabelledViewValuation, seed: number): MethodRun {
  switch (v.method) {
    case 'knn-shapley': return { method: v.method, config: { k: v.k } };
    case 'data-oob': return { method: v.method, config: { bags: v.bags, seed } };
    case 'random': return { method: v.method, config: { seed } };
    case 'tracin': return { method: v.method, config: {} };
    case 'loss': return { method: v.method, config: {} };
  }
}

function quantiles(values: Float64Array): Record<string, number> {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
  return { p01: at(0.01), p10: at(0.1), p25: at(0.25), p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99) };
}

export interface ValuationInputs {
  /** the encoder's context before each training interaction */
  readonly trainContext: Matrix;
  /** the context of each sampled validation interaction (the user's whole train history) */
  readonly validContext: Matrix;
  readonly validItems: Int32Array;
  readonly itemEmb: Matrix;
}

/** What valuation reads, from a dataset and the pretrained encoder (the benches reuse it); `seed` samples the validation points. */
export async function valuationInputs(ds: SplitDataset, model: RecModel, view: LabelledView, seed: number, progress: (phase: string) => void = () => {}): Promise<ValuationInputs> {
  const maxLen = Math.min(model.encoder.maxLen - 1, view.contextLen);
  const trainContext = await embedContexts(model, contextsBefore(ds.train, ds.numUsers, allRows(ds.train.length), maxLen), (done, total) => progress(`embedding training contexts ${done}/${total}`), maxLen + 1);
  const validRows = seededRowSample(ds.valid.length, view.maxValidPoints, seed);
  if (validRows.length === 0) throw new InvalidInputError('the validation split is empty, so there is no utility to value data against; use a split with validation interactions');
  const history = historyOf(ds, false);
  const offsets = new Int32Array(validRows.length + 1);
  const parts: Int32Array[] = [];
  validRows.forEach((row, r) => {
    const u = ds.valid.user[row]!;
    const items = history.items.subarray(Math.max(history.offsets[u]!, history.offsets[u + 1]! - maxLen), history.offsets[u + 1]!);
    parts.push(items);
    offsets[r + 1] = offsets[r]! + items.length;
  });
  const items = new Int32Array(offsets[validRows.length]!);
  parts.forEach((p, r) => items.set(p, offsets[r]!));
  const validContext = await embedContexts(model, { offsets, items }, () => {}, maxLen + 1);
  return { trainContext, validContext, validItems: Int32Array.from(validRows, (r) => ds.valid.item[r]!), itemEmb: itemEmbeddings(model) };
}

/**
 * A valuation by warm-up fine-tunes (cross-fit, training dynamics, output-layer TracIn, DEALRec)
 * in a step: warm-up checkpoints in the step's scratch folder, progress as heartbeats. With
 * values refreshed during the fine-tune, the last segment's model is published beside the values
 * for the valued fine-tune to continue.
 */
async function trainedStepValues(ctx: StepContext, ds: SplitDataset, model: RecModel, v: ValuationOf<TrainedValuationMethod>, spec: ValueSlice): Promise<Float64Array> {
  if (!spec.finetune) throw new Error(`${v.method} valuation needs the fine-tune settings in the value step's config slice`);
  const checkpointDir = await mkdtemp(path.join(ctx.scratchDir ?? tmpdir(), 'assay-cross-fit-'));
  let lastBeat = 0;
  const beat = (phase: string) => {
    const now = Date.now();
    if (now - lastBeat < 2000) return;
    lastBeat = now;
    ctx.heartbeat({ phase });
  };
  let phase: string = v.method;
  const hooks = {
    checkpointDir,
    progress: (p: string) => { phase = p; ctx.heartbeat({ phase }); },
    // polled between batches: keeps the heartbeat alive through long warm-up epochs
    shouldStop: () => { beat(phase); return ctx.cancelled(); },
  };
  if (v.method !== 'dynamics' || v.refreshes === undefined) return trainedValues(ds, model, spec.finetune, v, spec.seed, hooks);
  const scheduled = await scheduledDynamicsValues(ds, model, spec.finetune, scheduleOf(v), hooks);
  disposeModel(scheduled.model);
  await publishCheckpoint(scheduled.checkpointDir, ctx.outDir);
  return scheduled.values;
}

/** The schedule of a dynamics valuation with refreshes (the spec refuses the quarantine and selection rules it cannot follow). */
export function scheduleOf(v: ValuationOf<'dynamics'>): ScheduleSettings {
  if (v.refreshes === undefined || v.quarantine === 'everywhere') throw new Error(`dynamics: no schedule for refreshes=${v.refreshes} with quarantine '${v.quarantine}'`);
  return { refreshes: v.refreshes, warmupEpochs: v.warmupEpochs, keep: v.keep ?? DEFAULT_KEEP, quarantine: v.quarantine, score: v.dynamicsScore };
}

/** The values of a trained valuation from the pretrained `model`, with the fine-tune settings its warm-ups use; `seed` is the valuation's (the valuation bench calls this too). */
export function trainedValues(ds: SplitDataset, model: RecModel, finetune: FinetuneConfigInput, v: ValuationOf<TrainedValuationMethod>, seed: number, hooks: CrossFitHooks): Promise<Float64Array> {
  switch (v.method) {
    case 'dynamics': return trainingDynamicsValues(ds, model, finetune, v.warmupEpochs, hooks, v.dynamicsScore);
    case 'dealrec': return dealRecValues(ds, model, finetune, { warmupEpochs: v.warmupEpochs, influencePoints: v.influencePoints, effortWeight: v.effortWeight, seed }, hooks);
    case 'tracin-output': return tracinOutputValues(ds, model, finetune, { warmupEpochs: v.warmupEpochs, maxValidPoints: v.maxValidPoints, lastBlock: v.lastBlock, seed }, hooks);
    // cross-fit's config schema keeps its own settings and strips the valuation's others, so a
    // setting added to CrossFitSettings reaches the step without being named here
    case 'cross-fit': return crossFitValues(ds, model, finetune, { ...v, seed }, hooks);
  }
}

/**
 * What the value step reads of the spec: the valuation settings and its seed; the methods that
 * value by warm-up fine-tunes train with the fine-tune settings, so they are in it too for those.
 */
export function valueSliceOf(spec: PipelineSpec) {
  return {
    valuation: spec.valuation,
    seed: valuationSeed(spec),
    ...(isTrainedValuation(spec.valuation) ? { finetune: spec.finetune } : {}),
    // the search clicks are valued with the query split and head settings infer trains with
    ...(spec.infer.search?.valuation ? { search: spec.infer.search } : {}),
  };
}
export type ValueSlice = ReturnType<typeof valueSliceOf>;

export const valueStep = defineStep({
  step: 'value',
  module: __filename,
  config: valueSliceOf,
  async run(ctx, spec) {
    const v = spec.valuation;
    const ds = await readInputDataset(ctx);
    const { model } = await loadModel(inputFolder(ctx, 'pretrain'));
    let values: Float64Array;
    let validPoints = 0;
    try {
      if (isTrainedValuation(v)) {
        values = await trainedStepValues(ctx, ds, model, v, spec);
      } else {
        const inputs = await valuationInputs(ds, model, v, spec.seed, (phase) => ctx.heartbeat({ phase }));
        validPoints = inputs.validItems.length;
        ctx.heartbeat({ phase: `valuing ${ds.train.length} interactions with ${v.method}` });
        const run = methodRun(v, spec.seed);
        values = await valueImplicitFeedback(
          { context: inputs.trainContext, items: ds.train.item },
          { context: inputs.validContext, items: inputs.validItems },
          inputs.itemEmb,
          (train, valid) => valueWith(run, train, valid),
          { negatives: v.negatives, seed: spec.seed },
        );
      }
    } catch (err) {
      if (err instanceof ValuationInputError) throw new InvalidInputError(err.message);
      throw err;
    }
    const unitValues = aggregateByUnit(values, unitOfRows(ds.train, v.unit)).broadcast;
    const selection = selectImportant(unitValues, { ...selectionRule(v), seed: spec.seed });
    const weights = Float32Array.from(selection.important, (i) => selection.weights[i]!);
    await writeTyped(path.join(ctx.outDir, 'values.f64'), unitValues);
    await writeTyped(path.join(ctx.outDir, 'normalized.f64'), selection.normalized);
    await writeTyped(path.join(ctx.outDir, SELECTED_ROWS_FILE), selection.important);
    await writeTyped(path.join(ctx.outDir, 'weights.f32'), weights);
    await writeTyped(path.join(ctx.outDir, 'quarantine.i32'), selection.quarantine);
    let sum = 0; let sq = 0; let min = Infinity; let max = -Infinity;
    for (const x of unitValues) { sum += x; sq += x * x; if (x < min) min = x; if (x > max) max = x; }
    const mean = sum / unitValues.length;
    const summary = { method: v.method, unit: v.unit, count: unitValues.length, mean, std: Math.sqrt(Math.max(0, sq / unitValues.length - mean * mean)), min, max, quantiles: quantiles(unitValues), keptCount: selection.important.length, threshold: v.threshold };
    await writeFile(path.join(ctx.outDir, 'summary.json'), JSON.stringify(summary, null, 2));
    let searchClicks = {};
    if (spec.search) {
      ctx.heartbeat({ phase: "valuing the training queries' search clicks" });
      const clicks = await refuseBadSearchInput(searchClickValues(ds, spec.search));
      await writeTyped(path.join(ctx.outDir, SEARCH_CLICKS_FILE), clicks.entries);
      await writeTyped(path.join(ctx.outDir, SEARCH_VALUES_FILE), clicks.values);
      searchClicks = { 'search.clicks.valued': clicks.entries.length };
    }
    return {
      metrics: { examples: unitValues.length, kept: selection.important.length, quarantined: selection.quarantine.length, validPoints, ...searchClicks },
      valueSummary: { ...summary, valuesFile: 'values.f64' },
    };
  },
});
