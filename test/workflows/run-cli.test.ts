// `assay run` as a user meets it, the CLI spawned as its own process against the real stack:
// a failed run names its failing step and root cause and `--resume` reuses what it finished;
// Ctrl-C detaches (the run goes on) or, with --workers, cancels the run and says so; the same
// partition started twice at once makes one execution and tells the second caller how to attach.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../../activities';
import { readServices } from '../../shared/config/services';
import * as lineage from '../../shared/db/lineage';
import { specFileContents, type PipelineSpec } from '../../shared/pipeline/spec';
import { pipelineId, RunAlreadyRunningError } from '../../cli/client';
import type { PipelineResult } from '../../workflows/pipeline';
import { startLocalWorkers } from '../../cli/local-workers';
import { storedCheckpoint } from '../../activities/checkpoints';
import { createArtifactStore } from '../../shared/store';
import { createPoolWorker } from '../../workers/pools';
import { workflowsPath } from '../../workers/workflows-path';
import { repoRoot } from '../../infra/dev/paths';
import { useStackClients } from '../support/stack-clients';
import { tinySpec } from '../support/pipeline';
import { countLineage } from '../support/lineage-checks';
import { waitFor } from '../support/wait-for';

const stack = useStackClients();

interface Cli { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> }

/** `assay <args>` in its own process (one node process, so a signal reaches the CLI itself). */
function assay(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** A spec file of a tiny pipeline on a slice of the data no other run used (no cache entry applies). */
function specFile(name: string, edit: (s: PipelineSpec) => PipelineSpec = (s) => s): { spec: PipelineSpec; file: string; workflowId: string } {
  const base = tinySpec(name);
  const spec = edit({ ...base, source: { ...base.source, limits: { ...base.source.limits, maxEvents: 2000 + Math.floor(Math.random() * 500) } } });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'assay-cli-')), 'spec.json');
  writeFileSync(file, JSON.stringify(specFileContents(spec), null, 2));
  return { spec, file, workflowId: pipelineId(spec.dataset, spec.partition) };
}

async function lineageRunOf(workflowId: string) {
  return waitFor(async () => lineage.findRun(stack.opened.db, workflowId), `a lineage run of ${workflowId}`);
}

async function pretrainRunning(workflowId: string): Promise<void> {
  await waitFor(async () => {
    const run = await lineage.findRun(stack.opened.db, workflowId);
    return run && (await lineage.stepsOfRun(stack.opened.db, run.id)).some((s) => s.stepName === 'pretrain' && s.status === 'running') ? true : undefined;
  }, 'pretraining to start');
}

describe('assay run', () => {
  it('a failed run prints the failing step and its root cause; `assay run --resume` reuses the steps it completed', async () => {
    const { spec, file, workflowId } = specFile('resume');
    const services = readServices();
    const accelerator = await createPoolWorker('accelerator', { services, taskQueue: spec.taskQueues.accelerator });
    const acceleratorRunning = accelerator.run();
    // The one fake: a CPU worker whose value step crashes, a fault no real input produces on demand.
    const connection = await NativeConnection.connect({ address: services.ASSAY_TEMPORAL_ADDRESS });
    const faulty = await Worker.create({
      connection, taskQueue: spec.taskQueues.cpu, workflowsPath,
      activities: {
        preprocess: activities.preprocess, report: activities.report, recordRunStarted: activities.recordRunStarted, recordRunFinished: activities.recordRunFinished, digestText: activities.digestText,
        value: () => Promise.reject(ApplicationFailure.nonRetryable('injected fault: the value step crashed', 'InjectedFault')),
      },
    });
    const faultyRunning = faulty.run();
    let cpu: Worker | undefined;
    let cpuRunning: Promise<void> | undefined;
    try {
      const failed = assay(['run', file]);
      expect(await failed.exit).toBe(1);
      console.log(`assay run (failing) stderr tail:\n${failed.stderr().trim().split('\n').slice(-4).join('\n')}`);
      expect(failed.stderr()).toContain(`run ${workflowId} failed at value: injected fault: the value step crashed`);
      expect(failed.stderr()).toContain(`assay run --resume ${workflowId}`);
      expect(failed.stderr()).not.toContain('Workflow execution failed');
      faulty.shutdown();
      await faultyRunning;

      cpu = await createPoolWorker('cpu', { services, taskQueue: spec.taskQueues.cpu });
      cpuRunning = cpu.run();
      const resumed = assay(['run', '--resume', workflowId]);
      expect(await resumed.exit, resumed.stderr()).toBe(0);
      const stepsLine = resumed.stdout().split('\n').find((l) => l.startsWith('steps: '))!;
      console.log(`assay run --resume: ${stepsLine}`);
      // what the failed execution completed is reused, what it did not is computed
      expect(stepsLine).toMatch(/preprocess [\d.]+s \[cache\]/);
      expect(stepsLine).toMatch(/pretrain [\d.]+s \[cache\]/);
      expect(stepsLine).toMatch(/value [\d.]+s(?! \[cache\])/);

      const executions: Array<{ runId: string; status: string }> = [];
      for await (const w of stack.client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push({ runId: w.runId, status: w.status.name });
      expect(executions.map((e) => e.status).sort()).toEqual(['COMPLETED', 'FAILED']);
      const completed = executions.find((e) => e.status === 'COMPLETED')!;
      const runId = `${workflowId}/${completed.runId}`;
      const result = (await stack.client.client.workflow.getHandle(workflowId, completed.runId).result()) as PipelineResult;
      const count = await countLineage(stack.opened.db, runId, result);
      console.log(count.summary);
      expect(count.problems).toEqual([]);
      const failedRun = await lineage.getRun(stack.opened.db, `${workflowId}/${executions.find((e) => e.status === 'FAILED')!.runId}`);
      expect(failedRun?.status).toBe('failed');
      expect(failedRun?.error).toContain('value: injected fault');
      const resumedSteps = await lineage.stepsOfRun(stack.opened.db, runId);
      expect(resumedSteps.filter((s) => s.stepName === 'pretrain').map((s) => s.cacheHit)).toEqual([true]);
    } finally {
      if (faulty.getState() === 'RUNNING') faulty.shutdown();
      await faultyRunning.catch(() => undefined);
      await connection.close();
      cpu?.shutdown();
      await cpuRunning;
      accelerator.shutdown();
      await acceleratorRunning;
    }
  });

  it('a run stopped mid-pretraining: `assay run --resume` trains on from its newest stored checkpoint, not from epoch 0', async () => {
    const { spec, workflowId } = specFile('resume-checkpoint', (s) => ({ ...s, pretrain: { ...s.pretrain, epochs: 30 } }));
    const workers = await startLocalWorkers(spec);
    try {
      const handle = await stack.client.startRun(spec);
      const stopped = (await handle.describe()).runId;
      const store = await createArtifactStore(readServices());
      const storedEpoch = async () => (await storedCheckpoint(store, `${workflowId}/${stopped}`.replaceAll('/', '+'), 'pretrain', 'pretrain'))?.epoch ?? 0;
      await waitFor(async () => ((await storedEpoch()) >= 3 ? true : undefined), 'three stored pretraining epochs');
      await handle.terminate('test: the run stops mid-pretraining');
      // any checkpoint stored after this reading only raises where the resumed run may start
      const before = await storedEpoch();
      const resumed = assay(['run', '--resume', workflowId]);
      expect(await resumed.exit, resumed.stderr()).toBe(0);
      expect(resumed.stderr()).toContain(`resuming ${workflowId} from execution ${stopped} (terminated)`);
      const stepsLine = resumed.stdout().split('\n').find((l) => l.startsWith('steps: '))!;
      const executions: Array<{ runId: string; status: string }> = [];
      for await (const w of stack.client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push({ runId: w.runId, status: w.status.name });
      expect(executions.map((e) => e.status).sort()).toEqual(['COMPLETED', 'TERMINATED']);
      const completed = executions.find((e) => e.status === 'COMPLETED')!.runId;
      const result = (await stack.client.client.workflow.getHandle(workflowId, completed).result()) as PipelineResult;
      const pretrain = result.steps.find((s) => s.step === 'pretrain')!;
      console.log(`assay run --resume of a terminated run: stored epoch ${before} at termination; pretrain resumed from epoch ${pretrain.metrics.resumedFromEpoch} of ${pretrain.metrics.epochs}; ${stepsLine}`);
      expect(stepsLine).toMatch(/preprocess [\d.]+s \[cache\]/);
      // Terminating a workflow does not stop its running activity at once: the terminated
      // execution's pretraining may finish every epoch first, and the resumed run is then served
      // that result from the step cache. Otherwise it trains on from the newest stored epoch.
      if (!pretrain.cacheHit) expect(pretrain.metrics.resumedFromEpoch).toBeGreaterThanOrEqual(before);
      expect(pretrain.metrics.epochs).toBe(30);
      const count = await countLineage(stack.opened.db, `${workflowId}/${completed}`, result);
      console.log(count.summary);
      expect(count.problems).toEqual([]);
      // the terminated execution ran no cleanup of its own; resuming closed its lineage
      const old = await lineage.getRun(stack.opened.db, `${workflowId}/${stopped}`);
      expect(old?.status).toBe('failed');
      expect((await lineage.stepsOfRun(stack.opened.db, `${workflowId}/${stopped}`)).filter((s) => s.status === 'running')).toEqual([]);
    } finally {
      await workers.stop();
    }
  });

  it('Ctrl-C detaches: the CLI says the run continues and how to re-attach and cancel; the run completes; `assay watch` shows it', async () => {
    const { spec, file, workflowId } = specFile('sigint', (s) => ({ ...s, pretrain: { ...s.pretrain, epochs: 15 } }));
    const workers = await startLocalWorkers(spec);
    try {
      const cli = assay(['run', file]);
      await pretrainRunning(workflowId);
      cli.child.kill('SIGINT');
      expect(await cli.exit).toBe(130);
      const said = cli.stderr();
      console.log(`assay run after Ctrl-C:\n${said.trim().split('\n').slice(-4).join('\n')}`);
      expect(said).toContain(`run ${workflowId} continues in Temporal`);
      expect(said).toContain(`assay watch ${workflowId}`);
      expect(said).toContain(`assay cancel ${workflowId}`);
      const handle = stack.client.client.workflow.getHandle(workflowId);
      const result = (await handle.result()) as PipelineResult;
      const run = await lineageRunOf(workflowId);
      const count = await countLineage(stack.opened.db, run.id, result);
      console.log(count.summary);
      expect(count.problems).toEqual([]);
      // nobody cancelled, and lineage says nobody did
      expect((await lineage.stepsOfRun(stack.opened.db, run.id)).filter((s) => s.status === 'cancelled')).toEqual([]);
      const watch = assay(['watch', workflowId]);
      expect(await watch.exit, watch.stderr()).toBe(0);
      expect(watch.stdout()).toMatch(/steps: preprocess/);
    } finally {
      await workers.stop();
    }
  });

  it('Ctrl-C on `assay run --workers` cancels the run, waits until lineage records it cancelled, and exits', async () => {
    const { file, workflowId } = specFile('sigint-workers', (s) => ({ ...s, pretrain: { ...s.pretrain, epochs: 400 } }));
    const cli = assay(['run', file, '--workers']);
    await pretrainRunning(workflowId);
    cli.child.kill('SIGINT');
    const code = await cli.exit;
    console.log(`assay run --workers after Ctrl-C (exit ${code}):\n${cli.stderr().trim().split('\n').slice(-3).join('\n')}`);
    expect(code).toBe(130);
    expect(cli.stderr()).toContain(`cancelling run ${workflowId}`);
    expect(cli.stderr()).toContain(`run ${workflowId} cancelled`);
    expect((await stack.client.client.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');
    const run = await lineageRunOf(workflowId);
    expect(run.status).toBe('cancelled');
    const steps = await lineage.stepsOfRun(stack.opened.db, run.id);
    console.log(`lineage: run ${run.status}; ${steps.map((s) => `${s.stepName}#${s.attempt} ${s.status}`).join(', ')}`);
    expect(steps.filter((s) => s.status === 'running')).toEqual([]);
    expect(steps.filter((s) => s.stepName === 'pretrain').map((s) => s.status)).toEqual(['cancelled']);
  });

  it('a second Ctrl-C on `assay run --workers` exits at once; the requested cancellation is recorded once a worker picks the run up', async () => {
    const { spec, file, workflowId } = specFile('sigint-twice', (s) => ({ ...s, pretrain: { ...s.pretrain, epochs: 400 } }));
    const cli = assay(['run', file, '--workers']);
    await pretrainRunning(workflowId);
    cli.child.kill('SIGINT');
    await waitFor(async () => (cli.stderr().includes('cancelling run') ? true : undefined), 'the cancelling message');
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(130);
    console.log(`assay run --workers after two Ctrl-C:\n${cli.stderr().trim().split('\n').slice(-2).join('\n')}`);
    const said = cli.stderr();
    // either the cancellation finished before the second Ctrl-C arrived, or the CLI left at once
    expect(said.includes('exiting without waiting') || said.includes(`run ${workflowId} cancelled`)).toBe(true);
    const workers = await startLocalWorkers(spec);
    try {
      await stack.client.client.workflow.getHandle(workflowId).result().catch(() => undefined);
      expect((await stack.client.client.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');
      const run = await waitFor(async () => {
        const r = await lineage.findRun(stack.opened.db, workflowId);
        return r?.status === 'cancelled' ? r : undefined;
      }, 'lineage to record the cancellation');
      const steps = await lineage.stepsOfRun(stack.opened.db, run.id);
      console.log(`lineage: run ${run.status}; ${steps.map((s) => `${s.stepName}#${s.attempt} ${s.status}`).join(', ')}`);
      expect(steps.filter((s) => s.status === 'running')).toEqual([]);
    } finally {
      await workers.stop();
    }
  });

  it('the same partition started twice at once: one execution; the second caller is told how to attach', async () => {
    const { spec, file, workflowId } = specFile('twice');
    // no workers: the run stays open for as long as the test needs it
    const starts = await Promise.allSettled([stack.client.startRun(spec), stack.client.startRun(spec)]);
    expect(starts.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const refused = starts.find((s) => s.status === 'rejected')!;
    expect(refused.reason).toBeInstanceOf(RunAlreadyRunningError);
    expect((refused.reason as Error).message).toContain(`assay watch ${workflowId}`);
    const cli = assay(['run', file]);
    expect(await cli.exit).toBe(1);
    console.log(`second assay run: ${cli.stderr().trim().split('\n').slice(-1)[0]}`);
    expect(cli.stderr()).toContain(`${workflowId} is already running`);
    expect(cli.stderr()).toContain(`assay watch ${workflowId}`);
    const executions = [];
    for await (const w of stack.client.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push(w.runId);
    expect(executions).toHaveLength(1);
    await stack.client.client.workflow.getHandle(workflowId).terminate('test done');
  });
});
