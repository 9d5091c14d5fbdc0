// Benchmark (issue 4's quality harness): how well the pipeline's valuation of implicit
// feedback finds planted noise and whether valuing pays off, on the pipeline's own path
// (pretrain → contexts → labelled pairs → valueData → fine-tune → full-ranking evaluation):
//   1. noise detection (AUC, k-means F1) for every method next to random, at 10 % and 20 %
//      noise — synthetic (flipped labels + bot sessions) and ml-100k / amazon-beauty
//      (training interactions replaced by uniformly random items);
//   2. point removal on ml-100k at 20 % noise: NDCG@10 after removing the lowest-, highest-
//      and randomly-valued 10–50 % of training examples;
//   3. payoff on ml-100k, clean and at 20 % noise: valued fine-tune vs the control.
// `npm run bench -- valuation [--dataset synthetic|ml-100k|amazon-beauty|all] [--quick]`
import { loadavg } from 'node:os';
import { selectBackend } from '../shared/ml/backend';
import { loadReal, plantRandomItems, subsampleUsers, syntheticWithNoise, type NoisyDataset, type RealDataset } from './valuation/datasets';
import {
  detection, detectionHeader, load, PAYOFF_HEADER, payoffRows, prepare, removal, removalHeader, valuedFinetune,
  type Setting,
} from './valuation/experiments';
import { BenchUsageError, benchSpec, parseBenchArgs, type BenchOptions } from './valuation/options';
import { checkAgainstValueStep, finetuneAndEvaluate, valueTraining, type FinetuneOutcome } from './valuation/pipeline-path';
import { markdownTable, percent } from './valuation/table';

const log = (line: string): void => console.log(line);

interface Tables {
  detection: Map<string, { header: string[]; rows: string[][] }>;
  removal?: { title: string; header: string[]; rows: string[][] };
  payoff: string[][];
  notes: string[];
}

/** Once per run: the in-memory path must give the value step's own numbers. */
let valueStepChecked = false;
async function checkValueStepOnce(setting: Setting, prepared: Awaited<ReturnType<typeof prepare>>, tables: Tables): Promise<void> {
  if (valueStepChecked) return;
  valueStepChecked = true;
  const mine = await valueTraining(setting.data.ds, prepared.inputs, 'loss', setting.spec);
  const diff = await checkAgainstValueStep(setting.data.ds, prepared.pretrained, setting.spec, 'loss', mine);
  const line = `value-step check (${setting.dataset} @ ${percent(setting.noise)}, method loss): max |bench − value step| = ${diff}`;
  log(line);
  tables.notes.push(line);
  if (diff > 1e-9) throw new Error(`${line}: the bench no longer values what the pipeline's value step values; update bench/valuation/pipeline-path.ts to follow shared/pipeline/steps/value.ts`);
}

async function detectOnly(dataset: string, settings: Setting[], tables: Tables): Promise<void> {
  for (const setting of settings) {
    const prepared = await prepare(setting, log);
    try {
      await checkValueStepOnce(setting, prepared, tables);
      const result = await detection(setting, prepared, log);
      const entry = tables.detection.get(dataset) ?? { header: detectionHeader(Object.keys(setting.data.noiseKinds)), rows: [] };
      entry.rows.push(...result.rows);
      tables.detection.set(dataset, entry);
    } finally {
      await prepared.pretrained.dispose();
    }
  }
}

async function realSettings(name: RealDataset, users: number, options: BenchOptions, tables: Tables): Promise<{ clean: Setting; noisy: Setting[] }> {
  const { ds: full, source } = await loadReal(name);
  const ds = subsampleUsers(full, users, options.seed);
  if (ds !== full) {
    const note = `${name}: a seeded sample of ${ds.numUsers} of ${full.numUsers} users (${ds.train.length} of ${full.train.length} train interactions, ${ds.numItems} of ${full.numItems} items) — restricted for the 2-core host`;
    log(note);
    tables.notes.push(note);
  }
  const spec = benchSpec(options.sizes, name, source, options.seed);
  const settingAt = (noise: number, seedOffset: number): Setting => {
    const planted = plantRandomItems(ds, noise, options.seed * 1000 + seedOffset);
    const data: NoisyDataset = { ds: planted.ds, noisy: planted.noisy, noiseKinds: {}, source };
    return { dataset: name, noise, data, spec };
  };
  return { clean: settingAt(0, 0), noisy: options.sizes.noiseLevels.map((p, i) => settingAt(p, i + 1)) };
}

async function runSynthetic(options: BenchOptions, tables: Tables): Promise<void> {
  const settings: Setting[] = [];
  for (const [i, noise] of options.sizes.noiseLevels.entries()) {
    const data = await syntheticWithNoise(options.sizes.synthetic, noise, options.seed * 100 + i);
    settings.push({ dataset: 'synthetic', noise, data, spec: benchSpec(options.sizes, 'synthetic', data.source, options.seed) });
  }
  await detectOnly('synthetic', settings, tables);
}

async function runBeauty(options: BenchOptions, tables: Tables): Promise<void> {
  const { noisy } = await realSettings('amazon-beauty', options.sizes.beautyUsers, options, tables);
  await detectOnly('amazon-beauty', noisy, tables);
}

/** ml-100k: detection at every noise level, removal and payoff at the highest, payoff clean. */
async function runMl100k(options: BenchOptions, tables: Tables): Promise<void> {
  const { clean, noisy } = await realSettings('ml-100k', options.sizes.ml100kUsers, options, tables);
  const method = options.removalMethod;
  for (const [i, setting] of noisy.entries()) {
    const prepared = await prepare(setting, log);
    try {
      await checkValueStepOnce(setting, prepared, tables);
      const result = await detection(setting, prepared, log);
      const entry = tables.detection.get('ml-100k') ?? { header: detectionHeader([]), rows: [] };
      entry.rows.push(...result.rows);
      tables.detection.set('ml-100k', entry);
      if (i !== noisy.length - 1) continue;
      const methodValues = result.values.get(method)!;
      const randomValues = result.values.get('random')!;
      const removed = await removal(setting, prepared, methodValues, randomValues, options.sizes.removalFractions, log);
      tables.removal = { title: `ml-100k @ ${percent(setting.noise)} noise, values from ${method} (random = values from the random method)`, header: removalHeader(method), rows: removed.rows };
      tables.payoff.push(...(await payoff(setting, prepared, method, methodValues, randomValues, removed.control)));
    } finally {
      await prepared.pretrained.dispose();
    }
  }
  const prepared = await prepare(clean, log);
  try {
    const methodValues = await valueTraining(clean.data.ds, prepared.inputs, method, clean.spec);
    const randomValues = await valueTraining(clean.data.ds, prepared.inputs, 'random', clean.spec);
    tables.payoff.unshift(...(await payoff(clean, prepared, method, methodValues, randomValues)));
  } finally {
    await prepared.pretrained.dispose();
  }
}

async function payoff(setting: Setting, prepared: Awaited<ReturnType<typeof prepare>>, method: string, methodValues: Float64Array, randomValues: Float64Array, control?: FinetuneOutcome): Promise<string[][]> {
  const v = setting.spec.valuation;
  const base = control ?? (await finetuneAndEvaluate(setting.data.ds, prepared.pretrained, setting.spec));
  const valued = await valuedFinetune(setting.data.ds, prepared, setting.spec, methodValues);
  const randomValued = await valuedFinetune(setting.data.ds, prepared, setting.spec, randomValues);
  log(`  payoff @ ${percent(setting.noise)}: control ${base.ndcg.toFixed(4)}, valued ${valued.ndcg.toFixed(4)}, random-valued ${randomValued.ndcg.toFixed(4)} (load ${load()})`);
  const label = (m: string) => `valued: ${m} (keep ${v.keep}, λ ${v.lambda}, α ${v.alpha})`;
  return payoffRows(setting, base, [[label(method), valued], [label('random'), randomValued]]);
}

function printSizes(options: BenchOptions): void {
  const s = options.sizes;
  log(`valuation bench — sizes: ${s.label}, seed ${options.seed}, datasets ${options.datasets.join(', ')}`);
  log(`  noise levels ${s.noiseLevels.map(percent).join(', ')}; removal fractions ${s.removalFractions.map(percent).join(', ')}; removal/payoff method ${options.removalMethod}`);
  log(`  ml-100k users ${s.ml100kUsers}; amazon-beauty users ${s.beautyUsers} (seeded sample); synthetic ${JSON.stringify(s.synthetic)}`);
  log(`  pretrain ${JSON.stringify(s.spec.pretrain)}`);
  log(`  finetune ${JSON.stringify(s.spec.finetune)}; valuation ${JSON.stringify(s.spec.valuation)}; evaluation: full ranking, test split (leave-last-out), seen items excluded`);
  log(`  host: load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start`);
}

function printTables(tables: Tables): void {
  log('\n## Noise detection (AUC of −value for noisy vs clean train rows; k-means F1 of the low cluster)');
  for (const [dataset, t] of tables.detection) {
    log(`\n### ${dataset}\n`);
    log(markdownTable(t.header, t.rows));
  }
  if (tables.removal) {
    log(`\n## Point removal — ${tables.removal.title}\n`);
    log(markdownTable(tables.removal.header, tables.removal.rows));
  }
  if (tables.payoff.length > 0) {
    log('\n## Payoff — valued fine-tune vs control, same split, same pretrained encoder\n');
    log(markdownTable(PAYOFF_HEADER, tables.payoff));
  }
  if (tables.notes.length > 0) log(`\nNotes:\n${tables.notes.map((n) => `- ${n}`).join('\n')}`);
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
  printSizes(options);
  const started = performance.now();
  const tables: Tables = { detection: new Map(), payoff: [], notes: [] };
  for (const dataset of options.datasets) {
    const t0 = performance.now();
    if (dataset === 'synthetic') await runSynthetic(options, tables);
    else if (dataset === 'ml-100k') await runMl100k(options, tables);
    else await runBeauty(options, tables);
    log(`${dataset} done in ${((performance.now() - t0) / 1000).toFixed(0)} s (load ${load()})`);
  }
  printTables(tables);
  log(`\ntotal ${((performance.now() - started) / 60000).toFixed(1)} min, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`);
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
