// `assay validate <spec>`: a dry run. Reads and validates the spec's data as preprocess
// would and prints what a user should know before training: sizes, catalogue, history
// lengths, repeats, rejects, unread columns, and a rough cost estimate.
import type { Command } from 'commander';
import { DataFileError } from '../shared/data';
import { percent, validateSpecData, type SpecValidation } from '../shared/pipeline/validate-spec';
import { ASSUMED_FLOPS_PER_THREAD } from '../shared/pipeline/estimate';
import { loadSpecForCli } from './run';
import { printJson } from './context';

export function registerValidate(program: Command): void {
  program.command('validate')
    .description('dry run: read and validate a spec and its data, print a profile and a cost estimate, train nothing')
    .argument('<spec>', 'path to the pipeline spec JSON file')
    .option('-p, --partition <name>', 'dataset partition (overrides the spec; replaces {partition} in source paths)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: { partition?: string; json?: boolean }) => {
      const spec = loadSpecForCli(file, flags);
      let validation: SpecValidation;
      try {
        validation = await validateSpecData(spec);
      } catch (err) {
        if (err instanceof DataFileError) throw new Error(`${err.message}\nFix the file and run \`assay validate ${file}\` again.`, { cause: err });
        throw err;
      }
      if (flags.json) printJson(validation); else console.log(formatValidation(file, validation));
      if (!validation.trainable) process.exitCode = 1;
    });
}

export function formatValidation(file: string, v: SpecValidation): string {
  const p = v.profile;
  const n = (x: number) => x.toLocaleString('en-US');
  const s = p.sequenceLength;
  const lines = [
    `${file}: ${v.trainable ? 'ok' : 'NOT TRAINABLE'}`,
    `  rows read       ${Object.entries(p.rowsRead).map(([f, rows]) => `${n(rows)} (${f.split('/').pop()})`).join(', ')}`,
    `  events          ${n(p.eventsValid)} valid, ${n(p.eventsKept)} kept (train ${n(p.split.train)} / valid ${n(p.split.valid)} / test ${n(p.split.test)})`,
    `  users           ${n(p.users)}`,
    `  items           ${n(p.items)} in the model; catalogue ${n(p.catalogue)}, ${n(p.itemsWithoutEvents)} without events (${n(p.itemsPruned)} pruned)`,
    `  events per user min ${s.min} · median ${s.p50} · p90 ${s.p90} · max ${s.max} · mean ${s.mean.toFixed(1)}`,
    `  repeats         ${percent(p.repeatShare)} of events revisit an item; ${percent(p.testRepeatShare)} of test targets are repeats`,
    `  rejects         ${p.rejects === 0 ? 'none' : Object.entries(p.rejectsByReason).map(([reason, count]) => `${reason} ${n(count)}`).join(', ')}`,
    ...Object.entries(p.weightColumns).map(([w, c]) => `  ${w.padEnd(15)} ${n(c.rows)} of ${n(p.eventsKept)} events give it; min ${c.distribution.min} · median ${c.distribution.p50} · p90 ${c.distribution.p90} · max ${c.distribution.max} (finetune.exampleWeight '${w}' weighs by it)`),
    `  prices          ${n(p.itemsWithPrice)} of ${n(p.items)} items have one${priceHint(v)}`,
    `  unread columns  ${Object.entries(p.unknownColumns).filter(([, c]) => c.length > 0).map(([f, c]) => `${f.split('/').pop()}: ${c.join(', ')}`).join('; ') || 'none'}`,
    `  estimate        ${n(Math.round(v.estimate.parameters))} parameters, peak memory ≈ ${bytes(v.estimate.peakMemoryBytes)}, training ≈ ${duration(v.estimate.totalSeconds)} (pretrain ${duration(v.estimate.pretrainSeconds)}, each fine-tune ${duration(v.estimate.finetuneSeconds)})`,
    `                  an order of magnitude: ${ASSUMED_FLOPS_PER_THREAD / 1e9} GFLOP/s per training thread assumed`,
  ];
  for (const w of v.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

function priceHint(v: SpecValidation): string {
  return v.profile.itemsWithPrice > 0 ? ' (pretrain.encoder.priceBuckets makes price an item feature)' : '';
}

function bytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(b < 10 ? 1 : 0)} ${units[i]}`;
}

function duration(seconds: number): string {
  if (seconds < 1) return '< 1 s';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
