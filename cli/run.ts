// `assay run <spec>`: validate the spec, start the pipeline, show live progress, end with the
// metrics and the Temporal UI link.
import type { Command } from 'commander';
import { loadSpecFile, type PipelineSpec } from '../shared/pipeline/spec';
import { STEPS, type StepName } from '../shared/pipeline/contract';
import type { PipelineResult } from '../workflows/pipeline';
import { withClient, printJson, formatTable } from './context';
import { watchRun } from './progress';
import { codeVersion } from '../shared/pipeline/code-version';
import { codeDrift } from './code-drift';
import { formatReferenceText } from '../shared/data/format-reference';
import { withCheckoutQueues } from '../shared/temporal/task-queues';
import { readServices } from '../shared/config/services';
import { checkStackOwnership } from './stack-guard';

export interface RunFlags { partition?: string; cache: boolean; fromStep?: string; detach?: boolean; json?: boolean; workers?: boolean; yes?: boolean }

/** The spec as the CLI runs it: this code's version, and the default task queues behind this checkout's prefix. */
export function loadSpecForCli(file: string, flags: { partition?: string }): PipelineSpec {
  return withCheckoutQueues(loadSpecFile(file, { partition: flags.partition, codeVersion: codeVersion() }));
}

export const NOT_COMPUTED = 'not computed';

/** valued / control / baselines side by side: quality from infer, examples and time from fine-tune. */
export function metricsTable(result: PipelineResult): string {
  const labels = new Map<string, Record<string, number>>();
  const add = (label: string, m: Record<string, number>) => labels.set(label, { ...(labels.get(label) ?? {}), ...m });
  for (const [key, value] of Object.entries(result.metrics)) {
    const dot = key.indexOf('.');
    if (dot > 0) add(key.slice(0, dot), { [key.slice(dot + 1)]: value });
  }
  for (const step of result.steps) {
    if (step.step === 'finetune' && step.variant) add(step.variant, { trainExamples: step.metrics.trainExamples!, trainSeconds: step.metrics.trainSeconds! });
  }
  const quality = ['ndcg@10', 'hr@10', 'mrr', 'auc'];
  const training = ['trainExamples', 'trainSeconds'];
  // A quality metric the run did not compute says so; a 0 or a dash would read as a result.
  return formatTable(['model', ...quality, ...training], [...labels.entries()].map(([label, m]) => [
    label, ...quality.map((n) => (m[n] !== undefined && Number.isFinite(m[n]) ? m[n] : NOT_COMPUTED)), ...training.map((n) => m[n]),
  ]));
}

export function registerRun(program: Command): void {
  program.command('run')
    .description('validate a pipeline spec (JSON) and run it for one partition: preprocess → pretrain → value → fine-tune → infer → report')
    .argument('<spec>', 'path to the pipeline spec JSON file (examples: specs/generic-csv.json for your own data, specs/ml-100k.json)')
    .addHelpText('after', `\nCheck a spec and its data first with \`assay validate <spec>\`. Every spec field with its type, default and meaning: \`assay spec --help\` (docs/spec.md).\n\n${formatReferenceText()}`)
    .option('-p, --partition <name>', 'dataset partition (overrides the spec; replaces {partition} in source paths)')
    .option('--no-cache', 'run every step even when a cached result with the same fingerprint exists')
    .option('--from-step <step>', `re-run this step and everything after it (${STEPS.join(', ')})`)
    .option('--detach', 'start the run and return at once, printing its id and UI link')
    .option('--workers', 'also run a CPU and an accelerator worker in this process (no separate `assay worker` needed)')
    .option('--json', 'print the result as JSON')
    .option('--yes', 'with no settings, use a Temporal server found on the default address although this checkout did not start it')
    .action(async (file: string, flags: RunFlags) => {
      if (flags.fromStep && !STEPS.includes(flags.fromStep as StepName)) throw new Error(`--from-step ${flags.fromStep}: unknown step; use one of ${STEPS.join(', ')}`);
      const spec = loadSpecForCli(file, flags);
      // after loadDevEnv (cli/main.ts): set here means the user or this checkout's `assay dev up` chose it
      const check = await checkStackOwnership(readServices(), Boolean(process.env.ASSAY_TEMPORAL_ADDRESS), flags.yes ?? false);
      if (check.refusal) throw new Error(check.refusal);
      if (check.warning) console.error(check.warning);
      const workers = flags.workers ? await (await import('./local-workers')).startLocalWorkers(spec) : undefined;
      try {
        await withClient(async (client) => {
          const handle = await client.startRun(spec, { noCache: !flags.cache, fromStep: flags.fromStep as StepName | undefined });
          const link = client.uiLink(handle.workflowId);
          if (flags.detach) {
            if (flags.json) printJson({ workflowId: handle.workflowId, ui: link }); else console.log(`started ${handle.workflowId}\nTemporal UI: ${link}`);
            return;
          }
          if (!flags.json) console.error(`running ${handle.workflowId} — Temporal UI: ${link}`);
          if (!flags.json) await watchRun(handle);
          const result = (await handle.result()) as PipelineResult;
          if (flags.json) { printJson({ ...result, ui: link }); return; }
          console.log(`\n${metricsTable(result)}\n`);
          console.log(`steps: ${result.steps.map((s) => `${s.step}${s.variant ? `(${s.variant})` : ''} ${(s.durationMs / 1000).toFixed(1)}s${s.cacheHit ? ' [cache]' : ''}`).join(' · ')}`);
          for (const line of codeDrift(spec.codeVersion, result.steps)) console.log(line);
          if (result.report) console.log(`report: ${result.report.uri}  (assay report ${handle.workflowId})`);
          console.log(`Temporal UI: ${link}`);
        });
      } finally {
        await workers?.stop();
      }
    });
}
