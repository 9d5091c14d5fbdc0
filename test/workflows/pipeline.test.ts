// The pipeline as data engineers rely on it, on the real Temporal dev server, MinIO and
// Postgres: step cache, backfills, device pinning, resume after a killed worker, cancel.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { readServices } from '../../shared/config/services';
import * as lineage from '../../shared/db/lineage';
import { createArtifactStore } from '../../shared/store';
import type { PipelineResult } from '../../workflows/pipeline';
import type { BackfillResult } from '../../workflows/backfill';
import type { RunProgress } from '../../shared/pipeline/contract';
import { startLocalWorkers } from '../../cli/local-workers';
import { createPoolWorker } from '../../workers/pools';
import { computeBackend, deviceUsed } from '../../activities/compute';
import { repoRoot } from '../../infra/dev/paths';
import { useStackClients } from '../support/stack-clients';
import { spawnAcceleratorWorker, tinySpec, waitForExit } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const stack = useStackClients();

const stepsOf = async (runId: string) => lineage.stepsOfRun(stack.opened.db, runId);
const byName = (steps: Awaited<ReturnType<typeof stepsOf>>) => Object.fromEntries(steps.filter((s) => s.status === 'completed').map((s) => [s.stepName, s]));

async function countPipelines(dataset: string): Promise<number> {
  let n = 0;
  for await (const _ of stack.client.client.workflow.list({ query: `WorkflowType = 'pipeline' AND AssayDataset = '${dataset}'` })) n++;
  return n;
}

describe('pipeline spec validation', () => {
  it('an invalid spec is rejected before any workflow starts, naming the field and the reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'assay-spec-'));
    const file = path.join(dir, 'bad.json');
    const dataset = `invalid-${process.pid}`;
    writeFileSync(file, JSON.stringify({ dataset, source: { format: 'ml-100k', path: '.' }, valuation: { keep: 1.5 }, finetune: { epochs: 0, optimizer: { lrDecayPerEpoch: 1.5 } } }));
    const cli = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(repoRoot, 'cli', 'main.ts'), 'run', file], { cwd: repoRoot, env: process.env, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`${file}: valuation.keep: keep must be in (0, 1]`);
    expect(cli.stderr).toMatch(/finetune\.epochs: Too small/i);
    expect(cli.stderr).toMatch(/finetune\.optimizer\.lrDecayPerEpoch: Too big/i);
    expect(await countPipelines(dataset)).toBe(0);
  });

  it('a spec that is not JSON names the file, line and column', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'assay-spec-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{\n  "dataset": "x",\n  "source": oops\n}\n');
    const cli = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(repoRoot, 'cli', 'main.ts'), 'run', file], { cwd: repoRoot, env: process.env, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`${file}:3:`);
    expect(cli.stderr).toContain('not valid JSON');
  });
});

describe('step cache', () => {
  it('an identical re-run is all cache hits; a fine-tune change re-runs only fine-tune and infer; a deleted artifact re-runs its step', async () => {
    // keep 0.75, which no other test uses: artifacts are content-addressed, so a test running
    // beside this one with the same value outputs would store the deleted selection again
    const spec = tinySpec('cache', { valuation: { method: 'knn-shapley', k: 5, keep: 0.75, negatives: 1, maxValidPoints: 200 } });
    const workers = await startLocalWorkers(spec);
    try {
      const first = await stack.client.runAndWait(spec, { noCache: true });
      expect(first.result.steps.every((s) => !s.cacheHit)).toBe(true);
      // every stored training epoch reached the workflow (it drives the UI's live details)
      const history = await first.handle.fetchHistory();
      const epochs = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'epoch');
      expect(epochs.length).toBe(spec.pretrain.epochs + 2 * spec.finetune.epochs);

      const t0 = Date.now();
      const again = await stack.client.runAndWait(spec);
      const hits = Object.fromEntries(again.result.steps.map((s) => [`${s.step}${s.variant ? `:${s.variant}` : ''}`, s.cacheHit]));
      expect(hits).toEqual({ preprocess: true, pretrain: true, value: true, 'finetune:valued': true, 'finetune:control': true, infer: true, report: false });
      expect(again.result.metrics['valued.ndcg@10']).toBe(first.result.metrics['valued.ndcg@10']);
      console.log(`fully cached re-run: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      const changed = await stack.client.runAndWait({ ...spec, finetune: { ...spec.finetune, batchSize: 64 } });
      const reran = changed.result.steps.filter((s) => !s.cacheHit).map((s) => `${s.step}${s.variant ? `:${s.variant}` : ''}`).sort();
      expect(reran).toEqual(['finetune:control', 'finetune:valued', 'infer', 'report']);

      // Delete the value step's selection from MinIO: that step must run again, not fail.
      const store = await createArtifactStore(readServices());
      const value = changed.result.steps.find((s) => s.step === 'value')!;
      await store.remove(value.outputs['value=selected.i32']!);
      const healed = await stack.client.runAndWait(spec);
      const healedHits = Object.fromEntries(healed.result.steps.map((s) => [`${s.step}${s.variant ? `:${s.variant}` : ''}`, s.cacheHit]));
      expect(healedHits.preprocess).toBe(true);
      expect(healedHits.pretrain).toBe(true);
      expect(healedHits.value).toBe(false);
      const runRow = await lineage.findRun(stack.opened.db, healed.handle.workflowId);
      expect(runRow?.status).toBe('completed');
      const steps = await stepsOf(runRow!.id);
      expect(steps.find((s) => s.stepName === 'pretrain')?.cacheHit).toBe(true);
    } finally {
      await workers.stop();
    }
  });
});

describe("quarantine 'everywhere'", () => {
  it('pretrains the valued model again after the value step, on the pretrain\'s backend; lineage says the valued fine-tune started from that pretrain', async () => {
    const spec = tinySpec('everywhere', { valuation: { method: 'knn-shapley', k: 5, keep: 0.7, negatives: 1, maxValidPoints: 200, quarantine: 'everywhere' } });
    const workers = await startLocalWorkers(spec);
    try {
      const { result, handle } = await stack.client.runAndWait(spec, { noCache: true });
      // in the order they finished: the two fine-tunes run side by side
      const order = result.steps.map((s) => `${s.step}${s.variant ? `:${s.variant}` : ''}`);
      expect(order.slice(0, 4)).toEqual(['preprocess', 'pretrain', 'value', 'pretrain:valued']);
      expect(order.slice(4, 6).sort()).toEqual(['finetune:control', 'finetune:valued']);
      expect(order.slice(6)).toEqual(['infer', 'report']);
      const run = await lineage.findRun(stack.opened.db, handle.workflowId);
      const steps = byName(await stepsOf(run!.id));
      expect(steps['valued-pretrain']?.computeBackend).toBe(steps.pretrain?.computeBackend);
      // the valued fine-tune's direct inputs: the data, the selection and the valued pretrain — not the pretrain on every row
      const graph = await lineage.upstream(stack.opened.db, { runId: run!.id });
      const producer = new Map(graph.edges.filter((e) => e.direction === 'output').map((e) => [e.artifactId, graph.steps.find((s) => s.id === e.stepId)!.stepName]));
      const read = (group: string) => new Set(graph.edges.filter((e) => e.stepId === steps[group]!.id && e.direction === 'input').map((e) => producer.get(e.artifactId)));
      expect([...read('valued-finetune')].sort()).toEqual(['preprocess', 'value', 'valued-pretrain']);
      expect([...read('valued-pretrain')].sort()).toEqual(['preprocess', 'value']);
      expect(read('control-finetune').has('pretrain')).toBe(true);
    } finally {
      await workers.stop();
    }
  });
});

describe('backfill', () => {
  it('runs 5 partitions with concurrency 2; running the same backfill again starts no new runs', async () => {
    const spec = tinySpec('backfill');
    const workers = await startLocalWorkers(spec);
    try {
      const partitions = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'];
      const first = await (await stack.client.backfill(spec, partitions, 2)).result;
      expect(partitions.map((p) => [first.outcomes[p]?.action, first.outcomes[p]?.result])).toEqual(partitions.map(() => ['ran', 'completed']));
      expect(await countPipelines(spec.dataset)).toBe(5);
      const second: BackfillResult = await (await stack.client.backfill(spec, partitions, 2)).result;
      expect(second.outcomes).toEqual(Object.fromEntries(partitions.map((p) => [p, { action: 'reused', result: 'completed', run: first.outcomes[p]?.run }])));
      expect(await countPipelines(spec.dataset)).toBe(5);
      const ids = [];
      for await (const w of stack.client.client.workflow.list({ query: `WorkflowType = 'pipeline' AND AssayDataset = '${spec.dataset}'` })) ids.push(w.workflowId);
      expect(ids.sort()).toEqual(partitions.map((p) => `assay/${spec.dataset}/${p}`));
    } finally {
      await workers.stop();
    }
  });
});

describe('accelerator pool', () => {
  it('two pinned accelerator workers take the GPU steps of two concurrent runs; lineage records the device the backend used', async () => {
    const a = tinySpec('pin-a');
    const b = { ...tinySpec('pin-b'), taskQueues: a.taskQueues };
    const cpu = await createPoolWorker('cpu', { services: readServices(), taskQueue: a.taskQueues.cpu });
    const cpuRunning = cpu.run();
    const gpus = [spawnAcceleratorWorker(a.taskQueues.accelerator, '0'), spawnAcceleratorWorker(a.taskQueues.accelerator, '1')];
    try {
      const [ra, rb] = await Promise.all([stack.client.runAndWait(a), stack.client.runAndWait(b)]);
      const recorded = new Set<string>();
      for (const r of [ra, rb]) {
        const run = await lineage.findRun(stack.opened.db, r.handle.workflowId);
        for (const s of await stepsOf(run!.id)) if (['pretrain', 'valued-finetune', 'control-finetune', 'infer'].includes(s.stepName)) recorded.add(`${/\((cuda:\d)\)$/.exec(s.worker ?? '')?.[1] ?? '?'} → ${s.device ?? '?'}`);
      }
      // Both pinned workers took steps. The device is the pin only where the backend computes
      // on a GPU; on WASM or the CPU backend the step ran on the CPU and says so.
      const backend = await computeBackend('pretrain');
      expect([...recorded].sort()).toEqual(['cuda:0', 'cuda:1'].map((pin) => `${pin} → ${deviceUsed(backend, pin)}`));
    } finally {
      for (const g of gpus) g.kill('SIGTERM');
      await Promise.all(gpus.map(waitForExit));
      cpu.shutdown();
      await cpuRunning;
    }
  });

  it('a SIGKILLed accelerator worker mid-pretraining: a new worker resumes from the stored checkpoint and the run completes', async () => {
    const spec = tinySpec('kill', { heartbeatSeconds: 4 });
    // long enough that a checkpoint heartbeat (throttled to ~0.8 × heartbeat timeout) lands mid-run
    const slow = { ...spec, pretrain: { ...spec.pretrain, epochs: 40 } };
    const cpu = await createPoolWorker('cpu', { services: readServices(), taskQueue: spec.taskQueues.cpu });
    const cpuRunning = cpu.run();
    const first = spawnAcceleratorWorker(spec.taskQueues.accelerator, '0');
    let second: ReturnType<typeof spawnAcceleratorWorker> | undefined;
    try {
      // no cache: pretraining must really run (an earlier run on this stack may have cached it)
      const handle = await stack.client.startRun(slow, { noCache: true });
      // Wait until pretraining has stored a checkpoint after at least one epoch, then kill.
      await waitFor(async () => {
        const d = await handle.describe();
        const pending = d.raw.pendingActivities?.find((p) => p.activityType?.name === 'pretrain');
        const payload = pending?.heartbeatDetails?.payloads?.[0]?.data;
        const details = payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as { epoch?: number }) : undefined;
        return details?.epoch !== undefined && details.epoch >= 1 ? true : undefined;
      }, 'a pretraining checkpoint heartbeat');
      first.kill('SIGKILL');
      await waitForExit(first);
      second = spawnAcceleratorWorker(spec.taskQueues.accelerator, '0');
      const result = (await handle.result()) as PipelineResult;
      const pretrain = result.steps.find((s) => s.step === 'pretrain')!;
      expect(pretrain.metrics.resumedFromEpoch).toBeGreaterThanOrEqual(1);
      expect(pretrain.metrics.epochs).toBe(40);
      const run = await lineage.findRun(stack.opened.db, handle.workflowId);
      const attempts = (await stepsOf(run!.id)).filter((s) => s.stepName === 'pretrain');
      // attempt 1 died with the worker; a later attempt (the next one, unless a loaded CI adds a
      // heartbeat timeout) completed, and only one did
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.filter((s) => s.status === 'completed')).toHaveLength(1);
      // the dead worker's attempt is closed as lost once the next one starts, never left running
      expect(attempts[0]?.status).toBe('lost');
      expect(attempts.filter((s) => s.status === 'running')).toHaveLength(0);
      // no duplicated lineage: every edge of the completed attempt is unique, one model output set
      const graph = await lineage.upstream(stack.opened.db, { runId: run!.id });
      const edgeKeys = graph.edges.map((e) => `${e.stepId}/${e.artifactId}/${e.direction}`);
      expect(new Set(edgeKeys).size).toBe(edgeKeys.length);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await waitForExit(second);
      cpu.shutdown();
      await cpuRunning;
    }
  });
});

describe('cancellation', () => {
  it('cancelling during fine-tuning stops the running step and marks the run cancelled in lineage', async () => {
    const spec = tinySpec('cancel');
    const slow = { ...spec, finetune: { ...spec.finetune, epochs: 200 } };
    const workers = await startLocalWorkers(spec);
    try {
      const handle = await stack.client.startRun(slow);
      await waitFor(async () => ((await handle.query<RunProgress>('progress')).step === 'finetune' ? true : undefined), 'the fine-tune step');
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      await handle.cancel();
      const error = await handle.result().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(Date.now() - t0).toBeLessThan(spec.heartbeatSeconds * 1000 + 5000);
      const run = await lineage.findRun(stack.opened.db, handle.workflowId);
      expect(run?.status).toBe('cancelled');
      const finetunes = (await stepsOf(run!.id)).filter((s) => s.stepName.endsWith('finetune'));
      expect(finetunes.length).toBeGreaterThan(0);
      expect(finetunes.map((s) => `${s.stepName}:${s.status}`)).toEqual(finetunes.map((s) => `${s.stepName}:cancelled`));
      expect(byName(await stepsOf(run!.id)).infer).toBeUndefined();
    } finally {
      await workers.stop();
    }
  });
});

describe('schedules', () => {
  it('a schedule backfill over two days runs one pipeline per day, the partition taken from the nominal start time', async () => {
    const spec = tinySpec('sched');
    const scheduleId = `${spec.dataset}-daily`;
    const workers = await startLocalWorkers(spec);
    try {
      await stack.client.createSchedule(scheduleId, spec, '0 2 * * *');
      const handle = stack.client.client.schedule.getHandle(scheduleId);
      await handle.pause('paused by test');
      expect((await handle.describe()).state.paused).toBe(true);
      await handle.unpause();
      expect((await handle.describe()).state.paused).toBe(false);
      await handle.backfill({ start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T23:59:59Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
      const ids = await waitFor(async () => {
        const found: string[] = [];
        for await (const w of stack.client.client.workflow.list({ query: `WorkflowType = 'pipeline' AND AssayDataset = '${spec.dataset}' AND ExecutionStatus = 'Completed'` })) found.push(w.workflowId);
        return found.length === 2 ? found.sort() : undefined;
      }, 'two scheduled partitions to complete');
      expect(ids).toEqual([`assay/${spec.dataset}/2026-11-01`, `assay/${spec.dataset}/2026-11-02`]);
      await handle.delete();
      await expect(handle.describe()).rejects.toThrow();
    } finally {
      await workers.stop();
    }
  });
});
