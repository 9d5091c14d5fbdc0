// Detection by the embedding methods (knn-shapley, data-oob, tracin, loss, random) on one
// prepared setting (a dataset with its noise and pretrained encoder): does a method's value
// rank the noise low (AUC, k-means F1), next to random.
import { loadavg } from 'node:os';
import { LabelledViewSchema, valuationOf, type LabelledViewValuation, type PipelineSpec } from '../../shared/pipeline/spec';
import { noiseDetectionAuc, noiseDetectionQuality } from '../../shared/valuation/detection';
import { VALUATION_METHODS, type ValuationMethod } from '../../shared/valuation/methods';
import type { NoisyDataset } from './datasets';
import type { EmbeddingSettings } from './options';
import { pretrainOn, valuationInputsTimed, valueTraining, type Pretrained } from './pipeline-path';
import type { ValuationInputs } from '../../shared/pipeline/steps/value';
import { fixed, percent, signed } from './table';

export const load = (): string => loadavg()[0]!.toFixed(1);

export interface Setting {
  readonly dataset: string;
  readonly noise: number;
  readonly data: NoisyDataset;
  readonly spec: PipelineSpec;
  /** what the embedding methods read (the spec's valuation is the protocol's own) */
  readonly embedding: EmbeddingSettings;
}

/** The valuation of an embedding method in `setting`: its settings, the spec's unit and seed. */
function embeddingValuation(setting: Setting, method: ValuationMethod): LabelledViewValuation {
  return valuationOf(method, { ...setting.embedding, unit: setting.spec.valuation.unit, seed: setting.spec.valuation.seed });
}

export interface Prepared {
  readonly pretrained: Pretrained;
  readonly inputs: ValuationInputs;
}

export async function prepare(setting: Setting, log: (line: string) => void): Promise<Prepared> {
  const { ds } = setting.data;
  log(`${setting.dataset} @ ${percent(setting.noise)} noise: ${ds.numUsers} users, ${ds.numItems} items, train/valid/test ${ds.train.length}/${ds.valid.length}/${ds.test.length}, noisy train rows ${count(setting.data.noisy)}`);
  const pretrained = await pretrainOn(ds, setting.spec);
  const inputs = await valuationInputsTimed(ds, pretrained.model, LabelledViewSchema.parse(setting.embedding), setting.spec);
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
    const v = await valueTraining(ds, prepared.inputs, embeddingValuation(setting, run.method), setting.spec, run.override);
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
