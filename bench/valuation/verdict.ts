// The valuation bench's three tables from its measurements: detection, payoff (with the
// standard error over test users) and the verdict against the valuation issue's targets.
import type { PipelineSpec } from '../../shared/pipeline/spec';
import type { FinetuneOutcome } from './pipeline-path';
import type { ReferenceDetection } from './reference-detectors';
import { choiceLabel, methodLabel, truncateLabel, type NoiseSetting, type SeedRun } from './protocol';
import { fixed, percent, signed } from './table';

export interface Measured {
  readonly setting: NoiseSetting;
  readonly runs: readonly SeedRun[];
  readonly payoff: boolean;
  readonly spec: PipelineSpec;
  readonly users: number;
  /** the detectors that train nothing, on the setting's data (none on clean data) */
  readonly references?: readonly ReferenceDetection[];
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const spread = (xs: readonly number[], digits: number): string => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '');
const withSpread = (xs: readonly number[], digits = 4): string => `${mean(xs).toFixed(digits)}${spread(xs, digits)}`;

/** Standard error of the mean over users of per-user values (NaN entries skipped). */
function standardError(values: Float64Array | Float32Array): number {
  let n = 0; let sum = 0; let sq = 0;
  for (const v of values) if (Number.isFinite(v)) { n++; sum += v; sq += v * v; }
  if (n < 2) return Number.NaN;
  const m = sum / n;
  return Math.sqrt(Math.max(0, (sq / n - m * m) * (n / (n - 1))) / n);
}

/** Per-user NDCG averaged over seeds (the runs evaluate the same users in the same order). */
function seedMeanPerUser(outcomes: readonly FinetuneOutcome[]): Float64Array {
  const n = outcomes[0]!.ndcgPerUser.length;
  for (const o of outcomes) if (o.ndcgPerUser.length !== n) throw new Error('payoff: runs evaluated different test users; the standard error needs the same users');
  return Float64Array.from({ length: n }, (_, u) => mean(outcomes.map((o) => o.ndcgPerUser[u]!)));
}

function pairedSe(a: readonly FinetuneOutcome[], b: readonly FinetuneOutcome[]): number {
  const ma = seedMeanPerUser(a);
  const mb = seedMeanPerUser(b);
  return standardError(ma.map((x, u) => x - mb[u]!));
}

export function detectionTable(measured: readonly Measured[]): { header: string[]; rows: string[][] } {
  const rows = measured.filter((m) => m.setting.kind !== 'clean').map((m) => {
    const d = m.runs.map((r) => r.detection!);
    return [m.setting.dataset, m.setting.noise, `${methodLabel(m.spec)}; ${m.runs.length} seed${m.runs.length > 1 ? 's' : ''}`, withSpread(d.map((x) => x.auc), 3), '—', withSpread(d.map((x) => x.kmeansF1), 3), mean(m.runs.map((r) => r.valueSeconds)).toFixed(1)];
  });
  return { header: ['dataset', 'noise', 'method', 'AUC', 'Δ AUC vs random', 'k-means F1', 'value seconds'], rows };
}

type ArmKind = 'control' | 'valued' | 'random' | 'truncated' | 'perfect-context' | 'perfect-drop' | 'perfect-hidden' | 'perfect-everywhere' | 'clean';
interface Arm { kind: ArmKind; label: string; outcomes: FinetuneOutcome[] }

function armsOf(m: Measured): Arm[] {
  const runs = m.runs;
  const arms: Arm[] = [
    { kind: 'control', label: 'control (all, weight 1)', outcomes: runs.map((r) => r.control!) },
    { kind: 'valued', label: `valued (${m.spec.valuation.method}, ${choiceLabel(runs[0]!.choice!)})`, outcomes: runs.map((r) => r.valued!) },
  ];
  if (runs[0]!.randomRemoval) arms.push({ kind: 'random', label: `random removal (${choiceLabel(runs[0]!.choice!)})`, outcomes: runs.map((r) => r.randomRemoval!) });
  if (runs[0]!.truncated) arms.push({ kind: 'truncated', label: `truncated loss (all, ${truncateLabel(runs[0]!.truncateRate!)})`, outcomes: runs.map((r) => r.truncated!) });
  const perfect = runs[0]!.perfect;
  if (perfect) {
    const keep = percent(perfect.context.examples / runs[0]!.control!.examples);
    arms.push({ kind: 'perfect-context', label: `perfect detection (keep the ${keep} without noise, rest as context)`, outcomes: runs.map((r) => r.perfect!.context) });
    arms.push({ kind: 'perfect-drop', label: `perfect detection (keep the ${keep} without noise, rest dropped)`, outcomes: runs.map((r) => r.perfect!.drop) });
    arms.push({ kind: 'perfect-hidden', label: `perfect detection (keep the ${keep} without noise, rest dropped and hidden from its histories)`, outcomes: runs.map((r) => r.perfect!.hidden) });
    const ceiling = m.setting.kind === 'planted' ? ': the clean data without the replaced rows, the ceiling of removal' : '';
    arms.push({ kind: 'perfect-everywhere', label: `perfect detection (keep the ${keep} without noise, rest removed everywhere${ceiling})`, outcomes: runs.map((r) => r.perfect!.everywhere) });
  }
  if (runs[0]!.cleanReference) arms.push({ kind: 'clean', label: 'clean reference (no noise planted)', outcomes: runs.map((r) => r.cleanReference!) });
  return arms;
}

/** The candidates' validation NDCG@10 the choice was made on, beside the control's on the same seeds. */
function choiceNote(m: Measured): string {
  const seeds = m.runs[0]!.choiceSeeds ?? [m.runs[0]!.seed];
  const control = mean(m.runs.filter((r) => seeds.includes(r.seed)).map((r) => r.control!.validNdcg));
  const basis = seeds.length > 1 ? `mean of seeds ${seeds.join(', ')}` : `seed ${seeds[0]}`;
  return `valid NDCG (${basis}): control ${control.toFixed(4)}; ${m.runs[0]!.tried.map(([c, v]) => `${choiceLabel(c)}: ${v.toFixed(4)}`).join('; ')}`;
}

export function payoffTable(measured: readonly Measured[]): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  for (const m of measured.filter((x) => x.payoff)) {
    const arms = armsOf(m);
    const control = arms[0]!.outcomes;
    const keepNote = m.runs[0]!.tried.length > 1 ? choiceNote(m) : 'fixed by the target';
    for (const [i, a] of arms.entries()) {
      const ndcg = a.outcomes.map((o) => o.ndcg);
      const delta = i === 0 ? '—' : `${signed(mean(ndcg) - mean(control.map((o) => o.ndcg)), 4)} ± ${fixed(pairedSe(a.outcomes, control), 4)}`;
      const note = i === 1 ? keepNote : a.kind === 'truncated' && m.runs[0]!.truncateTried.length > 1 ? `valid NDCG: ${m.runs[0]!.truncateTried.map(([r, v]) => `${truncateLabel(r)}: ${v.toFixed(4)}`).join('; ')}` : '';
      rows.push([m.setting.dataset, m.setting.noise, a.label, mean(a.outcomes.map((o) => o.validNdcg)).toFixed(4), withSpread(ndcg), fixed(standardError(seedMeanPerUser(a.outcomes)), 4), delta, withSpread(a.outcomes.map((o) => o.hitRate)), String(a.outcomes[0]!.examples), mean(a.outcomes.map((o) => o.trainSeconds)).toFixed(1), note]);
    }
  }
  return { header: ['dataset', 'noise', 'fine-tune', 'valid NDCG@10', 'test NDCG@10', 'SE (users)', 'Δ vs control ± paired SE', 'test HR@10', 'examples', 'train s', 'choice (validation)'], rows };
}

type Verdict = [target: string, measured: string, met: string];

const yes = (ok: boolean): string => (ok ? 'met' : 'not met');

function find(measured: readonly Measured[], dataset: string, noise: string): Measured | undefined {
  return measured.find((m) => m.setting.dataset === dataset && m.setting.noise === noise);
}

function detectionVerdicts(measured: readonly Measured[], dataset: string): Verdict[] {
  const m = find(measured, dataset, 'uniform 20%');
  if (!m) return [[`detection, ${dataset}, 20 % uniform: AUC ≥ 0.90 and k-means F1 ≥ 0.60`, 'not measured in this run', '—']];
  const auc = mean(m.runs.map((r) => r.detection!.auc));
  const f1 = mean(m.runs.map((r) => r.detection!.kmeansF1));
  const beside = cleanDataModelBeside(m);
  return [
    [`detection, ${dataset}, 20 % uniform: AUC ≥ 0.90`, `${auc.toFixed(3)}${beside((q) => q.auc)}`, yes(auc >= 0.9)],
    [`detection, ${dataset}, 20 % uniform: k-means F1 ≥ 0.60`, `${f1.toFixed(3)}${beside((q) => q.kmeansF1)}`, yes(f1 >= 0.6)],
  ];
}

/**
 * The best model of the clean data among the references, printed beside a detection figure: a
 * target above it asks for a better model of the users than those, which knew the clean rows.
 */
function cleanDataModelBeside(m: Measured): (figure: (q: ReferenceDetection['quality']) => number) => string {
  const models = (m.references ?? []).filter((r) => r.kind === 'clean-data model');
  if (models.length === 0) return () => '';
  const best = models.reduce((a, b) => (b.quality.auc > a.quality.auc ? b : a));
  return (figure) => `; a model of the clean data ${figure(best.quality).toFixed(3)}`;
}

function arm(m: Measured, kind: ArmKind): Arm {
  const found = armsOf(m).find((a) => a.kind === kind);
  if (!found) throw new Error(`${m.setting.dataset} ${m.setting.noise}: no ${kind} fine-tune was run`);
  return found;
}

const meanNdcg = (m: Measured, kind: ArmKind): number => mean(arm(m, kind).outcomes.map((o) => o.ndcg));

function payoffVerdicts(measured: readonly Measured[], dataset: string): Verdict[] {
  const m = find(measured, dataset, 'uniform 20%');
  if (!m?.payoff) return [[`payoff, ${dataset}, 20 % uniform: valued ≥ control + 10 %, above random removal, ≥ 90 % of clean`, 'not measured in this run', '—']];
  const [control, valued, random, clean] = (['control', 'valued', 'random', 'clean'] as const).map((kind) => meanNdcg(m, kind)) as [number, number, number, number];
  const gain = (x: number) => `${signed((x / control - 1) * 100, 1)} %`;
  // perfect detection removed everywhere (all the true data the planting left) beside the two targets that
  // compare with the control and the clean model: a target above it is out of reach of removal
  const ceiling = armsOf(m).some((a) => a.kind === 'perfect-everywhere') ? meanNdcg(m, 'perfect-everywhere') : undefined;
  const beside = (figure: (c: number) => string) => (ceiling === undefined ? '' : `; ceiling of removal ${figure(ceiling)}`);
  return [
    [`payoff, ${dataset}, 20 % uniform: valued NDCG@10 ≥ control + 10 %`, `${valued.toFixed(4)} vs ${control.toFixed(4)} (${gain(valued)}${beside(gain)})`, yes(valued >= control * 1.1)],
    [`payoff, ${dataset}, 20 % uniform: valued above random removal`, `${valued.toFixed(4)} vs ${random.toFixed(4)}`, yes(valued > random)],
    [`payoff, ${dataset}, 20 % uniform: valued ≥ 90 % of the clean model`, `${percent(valued / clean)} of ${clean.toFixed(4)}${beside((c) => percent(c / clean))}`, yes(valued >= 0.9 * clean)],
  ];
}

/** One fine-tune's seconds in this run: the control's where one was timed (the payoff ran), else the timed epoch × the epochs. */
function fineTuneSeconds(m: Measured): { seconds: number; how: string } | undefined {
  const controls = m.runs.flatMap((r) => (r.control ? [r.control] : []));
  if (controls.length > 0) return { seconds: mean(controls.map((o) => o.trainSeconds)), how: 'the control fine-tune of this run' };
  const probe = m.runs[0]?.epochProbe;
  const epochs = m.spec.finetune.epochs;
  return probe ? { seconds: probe.trainSeconds * epochs, how: `${epochs} epochs × one epoch timed in this run` } : undefined;
}

/** Amazon Beauty's setting with nothing planted: the stretch target's data. */
export const AS_SHIPPED = 'as shipped';

/** SASRec with full cross-entropy on this file, the best published figures (HR@10, NDCG@10) */
const SASREC_FULL_CE = { hitRate: 0.0533, ndcg: 0.0327 };

function stretchVerdict(m: Measured | undefined): Verdict {
  const target = `stretch: Amazon Beauty as shipped, valued above the control and SASRec full CE (${SASREC_FULL_CE.hitRate} / ${SASREC_FULL_CE.ndcg})`;
  if (!m?.payoff) return [target, 'not measured in this run', '—'];
  const figures = (kind: ArmKind) => ({ hitRate: mean(arm(m, kind).outcomes.map((o) => o.hitRate)), ndcg: meanNdcg(m, kind) });
  const [valued, control] = [figures('valued'), figures('control')];
  const above = (a: typeof valued, b: typeof valued) => a.hitRate > b.hitRate && a.ndcg > b.ndcg;
  const pair = (f: typeof valued) => `${f.hitRate.toFixed(4)} / ${f.ndcg.toFixed(4)}`;
  return [target, `valued ${pair(valued)}, control ${pair(control)} (HR@10 / NDCG@10)`, yes(above(valued, control) && above(valued, SASREC_FULL_CE))];
}

export function verdictTable(measured: readonly Measured[]): { header: string[]; rows: string[][] } {
  const rows: Verdict[] = [...detectionVerdicts(measured, 'ml-100k'), ...detectionVerdicts(measured, 'amazon-beauty')];
  const natural = find(measured, 'ml-100k', 'natural (ratings 1–2)');
  if (natural) {
    const auc = mean(natural.runs.map((r) => r.detection!.auc));
    rows.push(['detection, ml-100k natural (ratings 1–2): AUC ≥ 0.75', `${auc.toFixed(3)}${cleanDataModelBeside(natural)((q) => q.auc)}`, yes(auc >= 0.75)]);
  } else rows.push(['detection, ml-100k natural (ratings 1–2): AUC ≥ 0.75', 'not measured in this run', '—']);
  rows.push(...payoffVerdicts(measured, 'ml-100k'), ...payoffVerdicts(measured, 'amazon-beauty'));
  if (natural?.payoff) {
    const [control, valued] = [arm(natural, 'control'), arm(natural, 'valued')];
    const d = meanNdcg(natural, 'valued') - meanNdcg(natural, 'control');
    const se = pairedSe(valued.outcomes, control.outcomes);
    rows.push(['payoff, ml-100k natural (ratings 1–2): valued − control > 1 SE', `${signed(d, 4)} (paired SE ${se.toFixed(4)})`, yes(d > se)]);
  }
  const clean = find(measured, 'ml-100k', 'clean');
  if (clean?.payoff) {
    const [control, valued] = [arm(clean, 'control'), arm(clean, 'valued')];
    const d = meanNdcg(clean, 'valued') - meanNdcg(clean, 'control');
    const se = standardError(seedMeanPerUser(control.outcomes));
    const time = mean(valued.outcomes.map((o) => o.trainSeconds)) / mean(control.outcomes.map((o) => o.trainSeconds));
    rows.push([`clean ml-100k: valued on ${percent(valued.outcomes[0]!.examples / control.outcomes[0]!.examples)} of the examples within 1 SE of the control`, `${signed(d, 4)} (control's SE ${se.toFixed(4)})`, yes(Math.abs(d) <= se || d > 0)]);
    rows.push(['clean ml-100k: at ≤ 55 % of the control\'s fine-tuning time', percent(time), yes(time <= 0.55)]);
  }
  rows.push(stretchVerdict(find(measured, 'amazon-beauty', AS_SHIPPED)));
  const beauty = find(measured, 'amazon-beauty', 'uniform 20%');
  const fineTune = beauty && fineTuneSeconds(beauty);
  if (beauty && fineTune) {
    const valueSeconds = mean(beauty.runs.map((r) => r.valueSeconds));
    const ratio = valueSeconds / fineTune.seconds;
    rows.push([`cost: value step on full Beauty ≤ 25 % of one fine-tune (${fineTune.how})`, `${valueSeconds.toFixed(0)} s vs ${fineTune.seconds.toFixed(0)} s = ${percent(ratio)}`, yes(ratio <= 0.25)]);
  } else rows.push(['cost: value step on full Beauty ≤ 25 % of one fine-tune', 'not measured in this run', '—']);
  return { header: ['target', 'measured', 'verdict'], rows };
}
