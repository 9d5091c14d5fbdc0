// Benchmark: does valuing the data pay off? On datasets with known noise — planted (items
// replaced uniformly or by popularity), natural (ml-100k's low ratings, the T-CE protocol) or
// none — it measures, under the protocol in valuation/protocol.ts (choices on validation,
// test scored once per reported configuration):
//   1. detection: AUC and k-means F1 of the values against the noise, per seed, next to the
//      embedding methods (knn-shapley, data-oob, tracin, loss, random) on the first seed and
//      the detectors that train nothing — among them models of the clean data, which read the
//      ground truth (valuation/reference-detectors.ts) — always printed; with --clean-model on,
//      also the bench's cross-fit trained on the clean rows only (valuation/clean-model.ts);
//   2. payoff: test NDCG@10 of the control, the valued fine-tune, random removal and the
//      clean reference, means over seeds with the standard error over test users;
//   3. a verdict table: each target of the valuation issue, the figure, met or not.
// `npm run bench -- valuation [--dataset ml-100k|amazon-beauty|all] [--seeds N] [--quick]`
import { loadavg } from 'node:os';
import { selectBackend } from '../shared/ml/backend';
import type { PipelineSpec } from '../shared/pipeline/spec';
import { loadReal, naturalNoise, plantRandomItems, subsampleUsers, type NoisyDataset, type RealDataset } from './valuation/datasets';
import { detection, prepare, type Setting } from './valuation/experiments';
import { referenceDetection, type ReferenceDetection } from './valuation/reference-detectors';
import { cleanModelDetection } from './valuation/clean-model';
import { AS_SHIPPED_CHOICES, BenchUsageError, benchSpec, CLEAN_CHOICES, parseBenchArgs, type BenchOptions, type SettingName } from './valuation/options';
import { choiceLabel, runSetting, TRUNCATE_WARMUP_EPOCHS, type NoiseSetting, type SeedRun } from './valuation/protocol';
import { markdownTable } from './valuation/table';
import { AS_SHIPPED, payoffTable, detectionTable, verdictTable, type Measured } from './valuation/verdict';
import { runIfMain } from './flags';

const log = (line: string): void => console.log(line);

function settingsFor(name: RealDataset, ds: Awaited<ReturnType<typeof loadReal>>['ds'], options: BenchOptions): { setting: NoiseSetting; payoff: boolean }[] {
  const seed = options.seed;
  const planted = (fraction: number, draw: 'uniform' | 'popularity', payoff: boolean) => {
    const p = plantRandomItems(ds, fraction, seed * 1000 + Math.round(fraction * 100) + (draw === 'popularity' ? 7 : 0), draw);
    return { setting: { dataset: name, noise: `${draw} ${Math.round(fraction * 100)}%`, kind: 'planted' as const, ds: p.ds, noisy: p.noisy, clean: ds, choices: options.sizes.choices }, payoff };
  };
  const nothingPlanted = (noise: string, choices: NoiseSetting['choices']) => ({ setting: { dataset: name, noise, kind: 'clean' as const, ds, noisy: new Uint8Array(ds.train.length), choices }, payoff: true });
  if (name === 'amazon-beauty') {
    return options.beautySettings.map((s) => (s === 'uniform-20' ? planted(0.2, 'uniform', options.beautyPayoff) : nothingPlanted(AS_SHIPPED, AS_SHIPPED_CHOICES)));
  }
  const natural = (max: number, label: string, payoff: boolean) => {
    const n = naturalNoise(ds, max);
    return { setting: { dataset: name, noise: `natural (${label})`, kind: 'natural' as const, ds: n.ds, noisy: n.noisy, choices: options.sizes.choices }, payoff };
  };
  // clean: the target fixes keep ≤ 0.5, so only the quarantine mode is chosen
  const clean = nothingPlanted('clean', options.quick ? options.sizes.choices.map((c) => ({ ...c, keep: 0.5 })) : CLEAN_CHOICES);
  const all: Record<SettingName, () => { setting: NoiseSetting; payoff: boolean }> = {
    'uniform-20': () => planted(0.2, 'uniform', true),
    'natural-2': () => natural(0, 'ratings 1–2', true),
    clean: () => clean,
    'uniform-10': () => planted(0.1, 'uniform', false),
    'uniform-40': () => planted(0.4, 'uniform', false),
    'popularity-20': () => planted(0.2, 'popularity', false),
    'natural-3': () => natural(1, 'ratings ≤ 3', false),
  };
  const chosen = options.settings.map((name) => all[name]());
  return options.payoff ? chosen : chosen.filter((s) => s.setting.kind !== 'clean').map((s) => ({ ...s, payoff: false }));
}

/** The embedding methods' detection on the first seed, through the value step's own path. */
async function baselineDetection(setting: NoiseSetting, options: BenchOptions, source: NoisyDataset['source']): Promise<string[][]> {
  const s: Setting = { dataset: setting.dataset, noise: 0, data: { ds: setting.ds, noisy: setting.noisy, noiseKinds: {}, source }, spec: benchSpec(options.sizes, setting.dataset, source, options.seed), embedding: options.sizes.embedding };
  const prepared = await prepare(s, log);
  try {
    const result = await detection(s, prepared, log);
    return result.rows.map((r) => [setting.dataset, setting.noise, `${r[2]} (pretrained embeddings)`, r[3]!, '—', r[5]!, r[r.length - 2]!]);
  } finally {
    await prepared.pretrained.dispose();
  }
}

/** The detectors beside the values: those that train nothing, and with --clean-model on the cross-fit told the ground truth. */
async function referencesFor(setting: NoiseSetting, options: BenchOptions, spec: PipelineSpec): Promise<ReferenceDetection[]> {
  if (setting.kind === 'clean') return [];
  const untrained = referenceDetection(setting.ds.train, setting.ds.numUsers, setting.ds.numItems, setting.noisy);
  const { cleanModel } = options.sizes;
  return cleanModel ? [...untrained, await cleanModelDetection(setting, spec, cleanModel)] : untrained;
}

/** The detection table's rows of the reference detectors, each timed. */
function referenceRows(setting: NoiseSetting, references: readonly ReferenceDetection[]): string[][] {
  return references.map(({ label, quality, seconds }) => [setting.dataset, setting.noise, label, quality.auc.toFixed(3), '—', quality.kmeansF1.toFixed(3), seconds.toFixed(1)]);
}

export async function run(args: string[]): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(args);
  } catch (err) {
    if (err instanceof BenchUsageError) {
      console.error(err.message);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  await selectBackend(undefined, log);
  const seeds = Array.from({ length: options.seeds }, (_, i) => options.seed + i);
  log(`valuation bench — ${options.sizes.label}; datasets ${options.datasets.join(', ')}; seeds ${seeds.join(', ')}; load ${loadavg()[0]!.toFixed(1)} at start`);
  const valuedBy = { dynamics: 'dynamics (one warm-up fine-tune, a reading of each interaction\'s training losses or margins)', dealrec: 'dealrec (one warm-up fine-tune\'s output-layer influence on the training loss, plus the pretrained encoder\'s gradient norm)', 'tracin-output': 'tracin-output (one warm-up fine-tune, each interaction\'s output-layer gradient against the summed validation gradient)', 'cross-fit': 'cross-fit (K warm-up fine-tunes, each scoring the interactions it never trained on)' };
  const v = options.sizes.valuation;
  const refreshed = 'refreshes' in v && v.refreshes !== undefined ? `, refreshed ${v.refreshes}× during the valued fine-tune (segments of ${v.warmupEpochs} epochs, each moving a further share out; the valued fine-tune continues the last one's model)` : '';
  log(`Protocol (fixed before tuning): values from ${valuedBy[v.method]}${refreshed};`);
  log(`  (keep, λ, quarantine) chosen on the validation split's NDCG@10 among each setting's candidates (printed with it) ${options.chooseOnEverySeed ? 'averaged over every seed, each seed running every candidate' : 'on the first seed and reused'}; α = 1;`);
  if (options.sizes.truncateRates.length > 0) log(`  T-CE (truncated loss on every example, warm-up ${TRUNCATE_WARMUP_EPOCHS} epochs): rate chosen on validation among ${options.sizes.truncateRates.join(' | ')} on the first seed;`);
  log('  the test split is scored once for each configuration reported below and never used to choose.');
  const started = performance.now();
  const measured: Measured[] = [];
  const baselineRows: string[][] = [];
  for (const name of options.datasets) {
    const { ds: full, source } = await loadReal(name);
    const ds = subsampleUsers(full, name === 'amazon-beauty' ? options.sizes.beautyUsers : options.sizes.ml100kUsers, options.seed);
    log(`${name}: ${ds.numUsers} users, ${ds.numItems} items, train/valid/test ${ds.train.length}/${ds.valid.length}/${ds.test.length}${ds === full ? ' (all of it)' : ' (a seeded sample)'}`);
    const spec = (seed: number) => benchSpec(options.sizes, name, source, seed, name);
    for (const [i, { setting, payoff }] of settingsFor(name, ds, options).entries()) {
      const t0 = performance.now();
      if (payoff) log(`  ${setting.dataset} ${setting.noise}: candidates ${setting.choices.map(choiceLabel).join(' | ')}`);
      const runs: SeedRun[] = await runSetting(setting, payoff ? seeds : seeds.slice(0, options.detectionSeeds), { spec, payoff, log, chooseOnEverySeed: options.chooseOnEverySeed, truncateRates: options.sizes.truncateRates, timeOneEpoch: name === 'amazon-beauty', checkValueStep: options.checkValueStep && i === 0 });
      const firstSeedSpec = spec(options.seed);
      const references = await referencesFor(setting, options, firstSeedSpec);
      measured.push({ setting, runs, payoff, spec: firstSeedSpec, users: ds.numUsers, references });
      baselineRows.push(...referenceRows(setting, references));
      if (options.baselines && setting.kind !== 'clean' && name === 'ml-100k' && (setting.noise === 'uniform 20%' || setting.noise.startsWith('natural (ratings 1'))) baselineRows.push(...(await baselineDetection(setting, options, source)));
      log(`  ${setting.dataset} ${setting.noise}: ${((performance.now() - t0) / 60000).toFixed(1)} min (load ${loadavg()[0]!.toFixed(1)})`);
      // each setting's rows as soon as they exist, so a long run that is cut short keeps them
      const latest = [measured[measured.length - 1]!];
      for (const table of [setting.kind !== 'clean' ? detectionTable(latest) : undefined, payoff ? payoffTable(latest) : undefined]) {
        if (table) log(markdownTable(table.header, table.rows));
      }
    }
  }
  log('\n## Noise detection (AUC of −value for noisy vs clean training interactions; k-means F1 of the low cluster)\n');
  const det = detectionTable(measured);
  log(markdownTable(det.header, [...det.rows, ...baselineRows]));
  log('\n## Payoff (test NDCG@10, mean over seeds with min–max; SE = standard error over test users; Δ = paired difference to the control with its SE)\n');
  const pay = payoffTable(measured);
  log(markdownTable(pay.header, pay.rows));
  log('\n## Verdict\n');
  const verdict = verdictTable(measured);
  log(markdownTable(verdict.header, verdict.rows));
  log(`\ntotal ${((performance.now() - started) / 60000).toFixed(1)} min, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`);
}

runIfMain(module, run);
