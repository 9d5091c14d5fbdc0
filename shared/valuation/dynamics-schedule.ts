// Values refreshed during the fine-tune itself: the warm-up of the training-dynamics values is
// not thrown away but is the valued fine-tune's first epochs. It runs in `refreshes` segments of
// `warmupEpochs` epochs, each from the model the one before left; after each, the reading of
// every epoch logged so far (training-dynamics.ts) moves a further share of the interactions out
// — (1 − keep) spread evenly over the refreshes — so each later segment trains without what the
// earlier readings found least plausible, and the reading of what is left sharpens as the model
// learns. The valued fine-tune then trains the rest of its epochs from the last segment's model.
// Resumable as the step is: a segment is a fine-tune of its own, and the values and the model
// are the step's outputs. Decision: docs/decisions/0023-values-refreshed-during-the-fine-tune.md.
import type { FinetuneConfigInput } from '../ml/config';
import { disposeModel, type RecModel } from '../ml/encoder';
import type { CrossFitHooks } from './cross-fit';
import { fineTuningData, finetunesOnKept, type QuarantineMode } from './quarantine';
import { keptCount } from './selection';
import type { DynamicsScore } from './training-dynamics-config';
import { dynamicsValues, loggedWarmup, type DynamicsData, type DynamicsLogs } from './training-dynamics';

export interface ScheduleSettings {
  readonly refreshes: number;
  readonly warmupEpochs: number;
  readonly keep: number;
  /** how the segments after a refresh treat what it moved out (as context, or dropped as the valued fine-tune will drop it) */
  readonly quarantine: Exclude<QuarantineMode, 'everywhere'>;
  readonly score: DynamicsScore;
}

export interface ScheduledValues {
  /**
   * the refreshes an interaction stayed in through, plus its rank in [0, 1) among those that left
   * at the same refresh (or stayed to the end) by the reading that decided it: the top `keep` by
   * value is exactly what the schedule kept
   */
  readonly values: Float64Array;
  /** the last segment's model, which the valued fine-tune continues */
  readonly model: RecModel;
  /** the last segment's final checkpoint (the model above, as the step publishes it) */
  readonly checkpointDir: string;
  /** every segment's figures, [epoch·n + j] over the schedule's epochs (NaN where j was no target) */
  readonly logs: DynamicsLogs;
}

/** Interactions the schedule has moved out after refresh `r` (0-based) of `refreshes`; none before the first (r = −1). */
export function removedAfter(r: number, refreshes: number, n: number, keep: number): number {
  return Math.round(((r + 1) / refreshes) * (n - keptCount(keep, n)));
}

export async function scheduledDynamicsValues(data: DynamicsData, pretrained: RecModel, finetuneConfig: FinetuneConfigInput, settings: ScheduleSettings, hooks: CrossFitHooks): Promise<ScheduledValues> {
  const { refreshes, warmupEpochs, keep, quarantine, score } = settings;
  const n = data.train.length;
  const epochs = refreshes * warmupEpochs;
  // every segment's figures at the interaction's own row and the epoch of the whole schedule
  const whole = () => new Float32Array(epochs * n).fill(Number.NaN);
  const logs: DynamicsLogs = { loss: whole(), margin: whole(), rank: whole(), epochs, n };
  const values = new Float64Array(n);
  let kept = Int32Array.from({ length: n }, (_, j) => j);
  let model = pretrained;
  let checkpointDir = '';
  for (let r = 0; r < refreshes; r++) {
    hooks.progress?.(`training dynamics: segment ${r + 1} of ${refreshes}, ${warmupEpochs} epochs on ${kept.length} interactions`);
    const segment = fineTuningData(data.train, { indices: kept, weights: new Float32Array(kept.length).fill(1) }, quarantine);
    const previous = model;
    const warmup = await loggedWarmup({ ...data, ...segment }, previous, finetuneConfig, warmupEpochs, { checkpointDir: `${hooks.checkpointDir}/segment-${r + 1}`, shouldStop: hooks.shouldStop }, `training dynamics segment ${r + 1} of ${refreshes}`)
      .finally(() => { if (previous !== pretrained) disposeModel(previous); });
    model = warmup.model;
    checkpointDir = warmup.checkpointDir;
    // a segment's table is the whole train table ('context') or the kept rows in table order
    const rowOf = finetunesOnKept(quarantine) ? kept : undefined;
    for (const name of ['loss', 'margin', 'rank'] as const) placeSegment(logs[name], warmup.logs[name], r * warmupEpochs, warmupEpochs, n, rowOf);
    const reading = dynamicsValues({ ...logs, epochs: (r + 1) * warmupEpochs }, score);
    const leaving = removedAfter(r, refreshes, n, keep) - removedAfter(r - 1, refreshes, n, keep);
    const byReading = Int32Array.from(kept).sort((a, b) => (reading[a] as number) - (reading[b] as number) || a - b);
    // the refresh's own band: r, plus the rank within the band, so bands never overlap
    const band = (rows: Int32Array, at: number) => rows.forEach((j, k) => { values[j] = at + k / rows.length; });
    band(byReading.subarray(0, leaving), r);
    const staying = byReading.subarray(leaving);
    if (r === refreshes - 1) band(staying, refreshes);
    kept = Int32Array.from(staying).sort();
  }
  return { values, model, checkpointDir, logs };
}

/** Copies a segment's [epoch·rows + row] log into the schedule's [epoch·n + j] from `firstEpoch`, row k being interaction rowOf[k] (k itself without rowOf). */
function placeSegment(into: Float32Array, segment: Float32Array, firstEpoch: number, epochs: number, n: number, rowOf: Int32Array | undefined): void {
  const rows = segment.length / epochs;
  for (let e = 0; e < epochs; e++) {
    for (let k = 0; k < rows; k++) into[(firstEpoch + e) * n + (rowOf ? (rowOf[k] as number) : k)] = segment[e * rows + k] as number;
  }
}
