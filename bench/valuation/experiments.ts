// The three measurements of the valuation bench, each on one prepared setting (a dataset at
// one noise level with its pretrained encoder):
//   detection — does a method's value rank planted noise low (AUC, k-means F1), vs random;
//   removal   — NDCG@10 after removing the lowest / highest / random-valued fraction;
//   payoff    — the valued fine-tune (keep, λ, α) against the control (everything, weight 1).
import { loadavg } from 'node:os';
import type { SplitDataset } from '../../shared/data';
import type { PipelineSpec } from '../../shared/pipeline/spec';
import { noiseDetectionAuc, noiseDetectionQuality } from '../../shared/valuation/detection';
import { VALUATION_METHODS, type ValuationMethod } from '../../shared/valuation/methods';
import { selectImportant } from '../../shared/valuation/selection';
import type { NoisyDataset } from './datasets';
import { finetuneAndEvaluate, keptRows, pretrainOn, valuationInputsTimed, valueTraining, type FinetuneOutcome, type Pretrained } from './pipeline-path';
import type { ValuationInputs } from '../../shared/pipeline/steps/value';
import { fixed, percent, signed } from './table';

export const load = (): string => loadavg()[0]!.toFixed(1);

export interface Setting {
  readonly dataset: string;
  readonly noise: number;
  readonly data: NoisyDataset;
  readonly spec: PipelineSpec;
}

export interface Prepared {
  readonly pretrained: Pretrained;
  readonly inputs: ValuationInputs;
}

export async function prepare(setting: Setting, log: (line: string) => void): Promise<Prepared> {
  const { ds } = setting.data;
  log(`${setting.dataset} @ ${percent(setting.noise)} noise: ${ds.numUsers} users, ${ds.numItems} items, train/valid/test ${ds.train.length}/${ds.valid.length}/${ds.test.length}, noisy train rows ${count(setting.data.noisy)}`);
  const pretrained = await pretrainOn(ds, setting.spec);
  const inputs = await valuationInputsTimed(ds, pretrained.model, setting.spec);
  log(`  pretrain ${pretrained.seconds.toFixed(1)} s, contexts ${inputs.seconds.toFixed(1)} s (load ${load()})`);
  return { pretrained, inputs };
}

export function count(flags: Uint8Array): number {
  let n = 0;
  for (const f of flags) n += f;
  return n;
}

/** A method of the registry, or TracIn's −self-influence variant (tracin with value 'self'). */
export interface MethodRun {
  readonly label: string;
  readonly method: ValuationMethod;
  readonly override?: object;
}

export const DETECTION_METHODS: readonly MethodRun[] = [
  ...VALUATION_METHODS.map((method) => ({ label: method, method })),
  { label: 'tracin (−self-influence)', method: 'tracin', override: { value: 'self' } },
];

export interface DetectionResult {
  readonly rows: string[][];
  readonly values: Map<string, Float64Array>;
}

function subsetAuc(values: Float64Array, kind: Uint8Array, noisy: Uint8Array): number {
  // this kind of noise against the clean rows only (other noise left out)
  const keep: number[] = [];
  for (let i = 0; i < values.length; i++) if (kind[i] || !noisy[i]) keep.push(i);
  return noiseDetectionAuc(Float64Array.from(keep, (i) => values[i]!), Uint8Array.from(keep, (i) => kind[i]!));
}

export async function detection(setting: Setting, prepared: Prepared, log: (line: string) => void): Promise<DetectionResult> {
  const { ds, noisy, noiseKinds } = setting.data;
  const kinds = Object.entries(noiseKinds);
  const values = new Map<string, Float64Array>();
  const measured: { label: string; auc: number; f1: number; byKind: number[]; seconds: number; load: string }[] = [];
  for (const run of DETECTION_METHODS) {
    const started = performance.now();
    const v = await valueTraining(ds, prepared.inputs, run.method, setting.spec, run.override);
    const seconds = (performance.now() - started) / 1000;
    values.set(run.label, v);
    const { auc, kmeansF1 } = noiseDetectionQuality(v, noisy);
    measured.push({ label: run.label, auc, f1: kmeansF1, byKind: kinds.map(([, kind]) => subsetAuc(v, kind, noisy)), seconds, load: load() });
    log(`  ${run.label}: AUC ${auc.toFixed(3)} in ${seconds.toFixed(1)} s (load ${load()})`);
  }
  const random = measured.find((m) => m.label === 'random')!;
  const rows = measured.map((m) => [
    setting.dataset, percent(setting.noise), m.label, fixed(m.auc), signed(m.auc - random.auc), fixed(m.f1), signed(m.f1 - random.f1),
    ...m.byKind.map((a) => fixed(a)), m.seconds.toFixed(1), m.load,
  ]);
  return { rows, values };
}

export function detectionHeader(kinds: readonly string[]): string[] {
  return ['dataset', 'noise', 'method', 'AUC', 'Δ AUC vs random', 'k-means F1', 'Δ F1 vs random', ...kinds.map((k) => `AUC ${k} only`), 'seconds', 'load'];
}

/** Rows ordered by value, lowest first (ties by row index, as selection breaks them). */
function ascending(values: Float64Array): Int32Array {
  return Int32Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
}

function withoutRows(n: number, removed: Int32Array): Int32Array {
  const gone = new Uint8Array(n);
  for (const r of removed) gone[r] = 1;
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (!gone[i]) kept.push(i);
  return Int32Array.from(kept);
}

export interface RemovalResult {
  readonly rows: string[][];
  readonly control: FinetuneOutcome;
}

/** Point removal: NDCG@10 of a fine-tune without the lowest / highest / random-valued fraction. */
export async function removal(setting: Setting, prepared: Prepared, methodValues: Float64Array, randomValues: Float64Array, fractions: readonly number[], log: (line: string) => void): Promise<RemovalResult> {
  const { ds, noisy } = setting.data;
  const n = ds.train.length;
  const byMethod = ascending(methodValues);
  const byRandom = ascending(randomValues);
  const control = await finetuneAndEvaluate(ds, prepared.pretrained, setting.spec);
  log(`  removal 0%: NDCG@10 ${control.ndcg.toFixed(4)} (fine-tune ${control.trainSeconds.toFixed(1)} s, load ${load()})`);
  const rows: string[][] = [[percent(0), fixed(control.ndcg, 4), fixed(control.ndcg, 4), fixed(control.ndcg, 4), '-', '-', '-']];
  const noiseShare = (removed: Int32Array) => (removed.length === 0 ? 0 : count(Uint8Array.from(removed, (r) => noisy[r]!)) / removed.length);
  for (const fraction of fractions) {
    const m = Math.round(fraction * n);
    const strategies = [byMethod.subarray(0, m), byMethod.subarray(n - m), byRandom.subarray(0, m)];
    const scores: number[] = [];
    for (const removed of strategies) scores.push((await finetuneAndEvaluate(ds, prepared.pretrained, setting.spec, keptRows(withoutRows(n, removed)))).ndcg);
    log(`  removal ${percent(fraction)}: lowest ${scores[0]!.toFixed(4)}, highest ${scores[1]!.toFixed(4)}, random ${scores[2]!.toFixed(4)} (load ${load()})`);
    rows.push([percent(fraction), ...scores.map((s) => fixed(s, 4)), ...strategies.map((s) => percent(noiseShare(s)))]);
  }
  return { rows, control };
}

export function removalHeader(methodLabel: string): string[] {
  return ['removed', `NDCG@10 lowest ${methodLabel}`, `NDCG@10 highest ${methodLabel}`, 'NDCG@10 random', 'noise in removed (lowest)', 'noise in removed (highest)', 'noise in removed (random)'];
}

/** The valued fine-tune as the pipeline runs it: S = top `keep`, weights 1 + λ·α·v̂. */
export async function valuedFinetune(ds: SplitDataset, prepared: Prepared, spec: PipelineSpec, values: Float64Array): Promise<FinetuneOutcome> {
  const v = spec.valuation;
  const selection = selectImportant(values, v.threshold !== undefined ? { threshold: v.threshold, lambda: v.lambda, alpha: v.alpha } : { keep: v.keep, lambda: v.lambda, alpha: v.alpha });
  const weights = Float32Array.from(selection.important, (i) => selection.weights[i]!);
  return finetuneAndEvaluate(ds, prepared.pretrained, spec, { indices: selection.important, weights });
}

export function payoffRows(setting: Setting, control: FinetuneOutcome, valued: readonly [string, FinetuneOutcome][]): string[][] {
  const row = (label: string, o: FinetuneOutcome) => [
    setting.dataset, percent(setting.noise), label, fixed(o.ndcg, 4), signed(o.ndcg - control.ndcg, 4), fixed(o.hitRate, 4), signed(o.hitRate - control.hitRate, 4), String(o.examples), o.trainSeconds.toFixed(1), load(),
  ];
  return [row('control (all, weight 1)', control), ...valued.map(([label, o]) => row(label, o))];
}

export const PAYOFF_HEADER = ['dataset', 'noise', 'fine-tune', 'NDCG@10', 'Δ NDCG', 'HR@10', 'Δ HR', 'examples used', 'train seconds', 'load'];
