// `assay run <spec>`: validate the spec, start the pipeline, show live progress, end with the
// metrics and the Temporal UI link.
import type { Command } from 'commander';
import { loadSpecFile, type PipelineSpec } from '../shared/pipeline/spec';
import { STEPS, type StepName } from '../shared/pipeline/contract';
import type { PipelineResult } from '../workflows/pipeline';
import { withClient, printJson, formatTable } from './context';
import type { WorkflowHandle } from '@temporalio/client';
import { watchRun } from './progress';
import { explainRunError, onInterrupt, type InterruptMode } from './follow';
import { RunAlreadyRunningError, type AssayClient } from './client';
import { codeVersion } from '../shared/pipeline/code-version';
import { codeDrift } from './code-drift';
import { formatReferenceText } from '../shared/data/format-reference';
import { withCheckoutQueues } from '../shared/temporal/task-queues';
import { readServices } from '../shared/config/services';
import { checkStackOwnership } from './stack-guard';
import { openDatabase } from '../shared/db/open-database';
import * as lineage from '../shared/db/lineage';

export interface RunFlags { partition?: string; cache: boolean; fromStep?: string; resume?: string; detach?: boolean; json?: boolean; workers?: boolean; yes?: boolean }

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

/** Shows a run until it closes, then its metrics, or its failure's step and root cause. */
export async function followRun(client: AssayClient, handle: WorkflowHandle, opts: { json?: boolean; clientCodeVersion?: string; interrupt: InterruptMode; cancel?: () => Promise<void> }): Promise<void> {
  const id = handle.workflowId;
  const link = client.uiLink(id);
  let cancelling = false;
  const off = onInterrupt(id, opts.interrupt, async () => {
    cancelling = true;
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await opts.cancel?.();
  });
  try {
    if (!opts.json) {
      const onCtrlC = opts.interrupt === 'detach' ? 'Ctrl-C detaches, the run goes on' : 'Ctrl-C cancels the run (its workers are in this process)';
      console.error(`running ${id} — Temporal UI: ${link}  (${onCtrlC})`);
      await watchRun(handle);
    }
    let result: PipelineResult;
    try {
      result = (await handle.result()) as PipelineResult;
    } catch (err) {
      // A Ctrl-C cancellation is reported by its handler, which exits once it is recorded.
      if (cancelling) await new Promise(() => undefined);
      throw explainRunError(err, id);
    }
    if (opts.json) { printJson({ ...result, ui: link }); return; }
    console.log(`\n${metricsTable(result)}\n`);
    console.log(`steps: ${result.steps.map((s) => `${s.step}${s.variant ? `(${s.variant})` : ''} ${(s.durationMs / 1000).toFixed(1)}s${s.cacheHit ? ' [cache]' : ''}`).join(' · ')}`);
    for (const line of codeDrift(opts.clientCodeVersion ?? codeVersion(), result.steps)) console.log(line);
    if (result.report) console.log(`report: ${result.report.uri}  (assay report ${id})`);
    console.log(`Temporal UI: ${link}`);
  } finally {
    off();
  }
}

/**
 * A terminated or timed-out execution ran none of its own bookkeeping, so its lineage still
 * says running: it is closed as failed, with its attempts still marked running closed as lost.
 */
async function closeAbandonedRun(runId: string, how: string): Promise<void> {
  const opened = await openDatabase(readServices());
  try {
    const run = await lineage.getRun(opened.db, runId);
    if (!run || !['queued', 'running'].includes(run.status)) return;
    await lineage.closeRunningAttempts(opened.db, runId, 'failed');
    await lineage.setRunStatus(opened.db, runId, 'failed', { error: `${how} in Temporal: the workflow ended without closing its lineage` });
  } finally {
    await opened.close();
  }
}

/**
 * The spec of a partition's last execution, to start it again with the cache on: its completed
 * steps are cache hits (same fingerprint) and a training step resumes from the newest checkpoint
 * stored under its fingerprint, whichever execution stored it.
 */
async function resumeSpec(client: AssayClient, workflowId: string): Promise<PipelineSpec> {
  const last = await client.client.workflow.getHandle(workflowId).describe().catch((err: unknown) => {
    throw new Error(`--resume ${workflowId}: no such run in Temporal (${(err as Error).message}); list runs with \`assay list\``);
  });
  if (last.status.name === 'RUNNING') throw new RunAlreadyRunningError(workflowId, last.runId);
  if (last.status.name === 'TERMINATED' || last.status.name === 'TIMED_OUT') await closeAbandonedRun(`${workflowId}/${last.runId}`, last.status.name.toLowerCase());
  const input = await client.inputOf(workflowId, last.runId);
  console.error(`resuming ${workflowId} from execution ${last.runId} (${last.status.name.toLowerCase()}): completed steps come from the cache, training from its newest checkpoint`);
  // This checkout's code runs the steps, so the run records this version.
  return { ...(input.spec as unknown as PipelineSpec), codeVersion: codeVersion() };
}

export function registerRun(program: Command): void {
  program.command('run')
    .description('validate a pipeline spec (JSON) and run it for one partition: preprocess → pretrain → value → fine-tune → infer → report')
    .argument('[spec]', 'path to the pipeline spec JSON file (examples: specs/generic-csv.json for your own data, specs/ml-100k.json)')
    .addHelpText('after', [
      '',
      'Ctrl-C: the run lives in Temporal, not in this command. Without --workers, Ctrl-C detaches: the run',
      'goes on and the command prints how to follow it (`assay watch <run>`) and cancel it (`assay cancel <run>`).',
      'With --workers the workers stop with this command, so Ctrl-C cancels the run: it waits for the running',
      'step to stop and lineage to record the run cancelled, then exits; a second Ctrl-C exits at once.',
      'A partition already running is not started twice: the command says how to follow that run.',
      '',
      'Check a spec and its data first with `assay validate <spec>`. Every spec field with its type, default and meaning: `assay spec --help` (docs/spec.md).',
      '',
      formatReferenceText(),
    ].join('\n'))
    .option('-p, --partition <name>', 'dataset partition (overrides the spec; replaces {partition} in source paths)')
    .option('--no-cache', 'run every step even when a cached result with the same fingerprint exists')
    .option('--from-step <step>', `re-run this step and everything after it (${STEPS.join(', ')})`)
    .option('--resume <run>', 'start a failed, cancelled or terminated run again with its spec: completed steps are reused from the cache, a training step resumes from its newest checkpoint')
    .option('--detach', 'start the run and return at once, printing its id and UI link')
    .option('--workers', 'also run a CPU and an accelerator worker in this process (no separate `assay worker` needed); Ctrl-C then cancels the run')
    .option('--json', 'print the result as JSON')
    .option('--yes', 'with no settings, use a Temporal server found on the default address although this checkout did not start it')
    .action(async (file: string | undefined, flags: RunFlags) => {
      if (flags.resume && file) throw new Error(`--resume ${flags.resume} runs the spec that run was started with; leave out ${file}`);
      if (flags.resume && (flags.partition || flags.fromStep || !flags.cache)) throw new Error('--resume reuses the run\'s completed steps: it takes no --partition, --from-step or --no-cache');
      if (!flags.resume && !file) throw new Error('name a spec file (`assay run specs/tiny.json`), or a run to resume (`assay run --resume <run>`)');
      if (flags.fromStep && !STEPS.includes(flags.fromStep as StepName)) throw new Error(`--from-step ${flags.fromStep}: unknown step; use one of ${STEPS.join(', ')}`);
      const fromFile = file ? loadSpecForCli(file, flags) : undefined;
      // after loadDevEnv (cli/main.ts): set here means the user or this checkout's `assay dev up` chose it
      const check = await checkStackOwnership(readServices(), Boolean(process.env.ASSAY_TEMPORAL_ADDRESS), flags.yes ?? false);
      if (check.refusal) throw new Error(check.refusal);
      if (check.warning) console.error(check.warning);
      await withClient(async (client) => {
        const spec = fromFile ?? (await resumeSpec(client, flags.resume!));
        const workers = flags.workers ? await (await import('./local-workers')).startLocalWorkers(spec) : undefined;
        try {
          const handle = await client.startRun(spec, { noCache: !flags.cache, fromStep: flags.fromStep as StepName | undefined, workflowId: flags.resume });
          if (flags.detach) {
            const link = client.uiLink(handle.workflowId);
            if (flags.json) printJson({ workflowId: handle.workflowId, ui: link }); else console.log(`started ${handle.workflowId}\nTemporal UI: ${link}\nfollow it: assay watch ${handle.workflowId}`);
            return;
          }
          await followRun(client, handle, { json: flags.json, clientCodeVersion: spec.codeVersion, interrupt: workers ? 'cancel' : 'detach', cancel: () => workers?.stop() ?? Promise.resolve() });
        } finally {
          await workers?.stop();
        }
      });
    });
}
