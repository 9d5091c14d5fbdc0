// The fault matrix on real servers: Postgres stopped for half a minute mid-run, the Temporal
// dev server stopped and restarted mid-run, and ten partitions launched at once. A server this
// test stops is one of its own (a private Postgres, a private Temporal with its SQLite file),
// so the shared stack the tests beside it use stays up. Each case counts what it finds:
// nothing lost, nothing duplicated (test/support/lineage-checks.ts).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServices, type Services } from '../../shared/config/services';
import { openDatabase } from '../../shared/db/open-database';
import * as lineage from '../../shared/db/lineage';
import { createArtifactStore } from '../../shared/store';
import { AssayClient } from '../../cli/client';
import type { PipelineResult } from '../../workflows/pipeline';
import { latestAliasName, storedCheckpoint } from '../../activities/checkpoints';
import { startLocalWorkers } from '../../cli/local-workers';
import { databaseUrl, initCluster, startPostgres, waitForPostgres, type PostgresSettings } from '../../infra/dev/postgres';
import { startTemporal, waitForTemporal } from '../../infra/dev/temporal';
import { findFreePort } from '../../infra/dev/ports';
import { stopProcess, type StartedProcess } from '../../infra/dev/processes';
import { useStackClients } from '../support/stack-clients';
import { spawnPoolWorker, tinySpec, waitForExit } from '../support/pipeline';
import { countLineage } from '../support/lineage-checks';
import { waitFor } from '../support/wait-for';

const stack = useStackClients();

/** A unique slice of the shipped data, so no earlier run's cache entry or checkpoint applies. */
const freshEvents = () => 2500 + Math.floor(Math.random() * 400);

describe('fault matrix', () => {
  it('Postgres stopped for 30 s mid-run: the run completes, lineage catches up, no duplicate or dangling rows', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'assay-outage-pg-'));
    mkdirSync(path.join(state, 'logs'), { recursive: true });
    const pg: PostgresSettings = { port: await findFreePort(29_400), user: 'outage', password: 'outage-test-secret', database: 'assay_outage' };
    initCluster(state, pg);
    let proc: StartedProcess = startPostgres(state, pg);
    await waitForPostgres(proc, pg, 60_000);
    const privateDb: Partial<Services> = { ASSAY_DATABASE_URL: databaseUrl(pg) };
    const db = await openDatabase(readServices({ ...process.env, ...privateDb }));
    const base = tinySpec('pg-outage', { retry: { budgetSeconds: 600, initialIntervalSeconds: 1, maximumIntervalSeconds: 4 } });
    const spec = { ...base, source: { ...base.source, limits: { ...base.source.limits, maxEvents: freshEvents() } }, pretrain: { ...base.pretrain, epochs: 20 } };
    const workers = [spawnPoolWorker('cpu', spec.taskQueues.cpu, privateDb), spawnPoolWorker('accelerator', spec.taskQueues.accelerator, privateDb)];
    try {
      const handle = await stack.client.startRun(spec);
      const runId = `${handle.workflowId}/${(await handle.describe()).runId}`;
      await waitFor(async () => ((await lineage.stepsOfRun(db.db, runId)).some((s) => s.stepName === 'pretrain' && s.status === 'running') ? true : undefined), 'pretraining to start');
      // fast shutdown: the workers' open connections are dropped, as in a crash of the database
      await stopProcess(proc, 10_000, 'SIGINT');
      const stoppedAt = Date.now();
      await new Promise((r) => setTimeout(r, 30_000));
      proc = startPostgres(state, pg);
      await waitForPostgres(proc, pg, 60_000);
      console.log(`Postgres was down for ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);

      const result = (await handle.result()) as PipelineResult;
      const count = await countLineage(db.db, runId, result);
      console.log(count.summary);
      expect(count.problems).toEqual([]);
      // the epochs trained while the database was away were written once it was back
      const pretrainId = (await lineage.stepsOfRun(db.db, runId)).find((s) => s.stepName === 'pretrain' && s.status === 'completed')!.id;
      const epochs = new Set((await lineage.metricsOfRun(db.db, runId)).filter((m) => m.stepId === pretrainId && m.epoch !== null).map((m) => m.epoch));
      console.log(`pretrain epochs in lineage: ${[...epochs].sort((a, b) => a! - b!).join(',')}`);
      expect(epochs.size).toBe(spec.pretrain.epochs - (result.steps.find((s) => s.step === 'pretrain')!.metrics.resumedFromEpoch ?? 0));
      expect((await lineage.getRun(db.db, runId))?.status).toBe('completed');
      // every artifact the run published is in the store
      const store = await createArtifactStore(readServices());
      for (const output of result.steps.flatMap((s) => Object.values(s.outputs))) expect(await store.exists(output)).toBe(true);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map(waitForExit));
      await db.close();
      await stopProcess(proc, 10_000, 'SIGINT');
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('Temporal dev server stopped and restarted mid-pretraining: the run completes, resuming from the newest stored checkpoint', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'assay-outage-temporal-'));
    mkdirSync(path.join(state, 'logs'), { recursive: true });
    mkdirSync(path.join(state, 'temporal'), { recursive: true });
    const port = await findFreePort(29_600);
    const ports = { port, uiPort: await findFreePort(port + 1) };
    let proc: StartedProcess = startTemporal(state, ports);
    await waitForTemporal(proc, ports, 120_000);
    const privateTemporal: Partial<Services> = { ASSAY_TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
    const services = readServices({ ...process.env, ...privateTemporal });
    const base = tinySpec('temporal-restart', { retry: { budgetSeconds: 600, initialIntervalSeconds: 1, maximumIntervalSeconds: 4 } });
    const spec = { ...base, source: { ...base.source, limits: { ...base.source.limits, maxEvents: freshEvents() } }, pretrain: { ...base.pretrain, epochs: 40 } };
    const workers = [spawnPoolWorker('cpu', spec.taskQueues.cpu, privateTemporal), spawnPoolWorker('accelerator', spec.taskQueues.accelerator, privateTemporal)];
    let own = await AssayClient.connect(services);
    try {
      const handle = await own.startRun(spec);
      const execution = (await handle.describe()).runId;
      const runId = `${handle.workflowId}/${execution}`;
      const store = await createArtifactStore(readServices());
      const storedEpoch = async () => (await storedCheckpoint(store, runId.replaceAll('/', '+'), 'pretrain', 'pretrain'))?.epoch;
      await waitFor(async () => ((await storedEpoch()) ?? 0) >= 2 ? true : undefined, 'a stored pretraining checkpoint');
      await own.close();
      await stopProcess(proc);
      const before = await storedEpoch();
      // longer than the heartbeat timeout: the server finds the attempt timed out when it is back
      await new Promise((r) => setTimeout(r, 2000 + spec.heartbeatSeconds * 1000 * 1.5));
      // training went on while the server was away: the store is ahead of the last heartbeat
      const atRestart = (await storedEpoch())!;
      proc = startTemporal(state, ports);
      await waitForTemporal(proc, ports, 120_000);
      console.log(`Temporal restarted; stored checkpoint epoch ${before} when it stopped, ${atRestart} when it came back (${latestAliasName('pretrain')})`);
      own = await AssayClient.connect(services);
      const result = (await own.client.workflow.getHandle(handle.workflowId, execution).result()) as PipelineResult;
      const pretrain = result.steps.find((s) => s.step === 'pretrain')!;
      const attempts = (await lineage.stepsOfRun(stack.opened.db, runId)).filter((s) => s.stepName === 'pretrain');
      console.log(`pretrain attempts: ${attempts.map((s) => `#${s.attempt} ${s.status}`).join('; ')}; completed attempt resumed from epoch ${pretrain.metrics.resumedFromEpoch}`);
      expect(pretrain.metrics.epochs).toBe(40);
      if (attempts.length > 1 && !pretrain.cacheHit) {
        // A retry after the restart resumes from a checkpoint at least as new as the one stored
        // when the server came back, not from the older one the last heartbeat before the stop named.
        expect(pretrain.metrics.resumedFromEpoch).toBeGreaterThanOrEqual(atRestart);
      }
      // Or attempt 1 finished every epoch while the server was away: the retry is then served
      // its result from the step cache, and attempt 1 (whose completion never reached Temporal)
      // is recorded lost, so the run still has one completed attempt per step (countLineage).
      console.log(`pretrain served from the step cache: ${pretrain.cacheHit}; attempts ${attempts.map((s) => `#${s.attempt} ${s.status}`).join(', ')}`);
      const count = await countLineage(stack.opened.db, runId, result);
      console.log(count.summary);
      expect(count.problems).toEqual([]);
      for (const output of result.steps.flatMap((s) => Object.values(s.outputs))) expect(await store.exists(output)).toBe(true);
      // one execution of the partition on that server
      const executions = [];
      for await (const w of own.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) executions.push(w.runId);
      expect(executions).toEqual([execution]);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map(waitForExit));
      await own.close().catch(() => undefined);
      await stopProcess(proc);
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('ten small partitions launched at once: all complete, one execution each, lineage consistent', async () => {
    const base = tinySpec('ten', { control: false });
    // a fresh slice, so the ten really compute side by side rather than hit an earlier run's cache
    const spec = { ...base, source: { ...base.source, limits: { ...base.source.limits, maxEvents: 1000 + Math.floor(Math.random() * 300) } }, pretrain: { ...base.pretrain, epochs: 1 } };
    const partitions = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const workers = await startLocalWorkers(spec);
    try {
      const handles = await Promise.all(partitions.map((partition) => stack.client.startRun({ ...spec, partition })));
      const results = await Promise.all(handles.map(async (h) => ({ handle: h, runId: `${h.workflowId}/${(await h.describe()).runId}`, result: (await h.result()) as PipelineResult })));
      const steps = ['infer', 'preprocess', 'pretrain', 'report', 'value', 'valued-finetune'];
      let attempts = 0;
      let outputs = 0;
      let cacheHits = 0;
      for (const { runId, result } of results) {
        const count = await countLineage(stack.opened.db, runId, result, steps);
        expect(count.problems, runId).toEqual([]);
        attempts += count.steps;
        outputs += count.outputs;
        cacheHits += result.steps.filter((s) => s.cacheHit).length;
      }
      const ids = [];
      for await (const w of stack.client.client.workflow.list({ query: `WorkflowType = 'pipeline' AND AssayDataset = '${spec.dataset}'` })) ids.push(w.workflowId);
      expect(ids.sort()).toEqual(partitions.map((p) => `assay/${spec.dataset}/${p}`).sort());
      console.log(`ten partitions: ${results.length} completed, ${ids.length} executions, ${attempts} step attempts (${cacheHits} cache hits), ${outputs} outputs recorded, lineage problems: none`);
    } finally {
      await workers.stop();
    }
  });
});
