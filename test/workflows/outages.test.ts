// Outages waited out, on the real Temporal dev server and Postgres with a MinIO of this test's
// own (stopping the shared one would break the tests running beside it): the store goes away
// for half a minute mid-pretraining, the step retries inside its retry budget and the run
// completes, with no partial artifact visible and one completed attempt per step.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServices, type Services } from '../../shared/config/services';
import * as lineage from '../../shared/db/lineage';
import { createArtifactStore } from '../../shared/store';
import type { PipelineResult } from '../../workflows/pipeline';
import { startMinio, waitForMinio, type MinioSettings } from '../../infra/dev/minio';
import { findFreePort } from '../../infra/dev/ports';
import { stopProcess, type StartedProcess } from '../../infra/dev/processes';
import { useStackClients } from '../support/stack-clients';
import { spawnPoolWorker, tinySpec, waitForExit } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const OUTAGE_MS = 30_000;

const stack = useStackClients();

describe('outages', () => {
  it('MinIO stopped for 30 s mid-pretraining: the step retries past five attempts inside its budget, the run completes, nothing partial is visible', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'assay-outage-minio-'));
    mkdirSync(path.join(state, 'logs'), { recursive: true });
    const port = await findFreePort(29_000);
    const minio: MinioSettings = { port, consolePort: await findFreePort(port + 1), accessKey: 'outage-test', secretKey: 'outage-test-secret', bucket: 'assay-outage' };
    let proc: StartedProcess = startMinio(state, minio);
    await waitForMinio(proc, minio, 60_000);
    const privateStore: Partial<Services> = {
      ASSAY_S3_ENDPOINT: `http://127.0.0.1:${port}`, ASSAY_S3_ACCESS_KEY: minio.accessKey, ASSAY_S3_SECRET_KEY: minio.secretKey, ASSAY_S3_BUCKET: minio.bucket,
    };
    const spec = tinySpec('minio-outage', {
      heartbeatSeconds: 10,
      // short intervals so the test is quick; the budget (schedule-to-close) is the real mechanism
      retry: { budgetSeconds: 600, initialIntervalSeconds: 1, maximumIntervalSeconds: 4 },
    });
    const slow = { ...spec, pretrain: { ...spec.pretrain, epochs: 30 } };
    const workers = [spawnPoolWorker('cpu', spec.taskQueues.cpu, privateStore), spawnPoolWorker('accelerator', spec.taskQueues.accelerator, privateStore)];
    const workerErrors: string[] = [];
    for (const w of workers) w.stderr?.on('data', (d: Buffer) => workerErrors.push(d.toString('utf8')));
    try {
      const handle = await stack.client.startRun(slow, { noCache: true });
      const runId = `${handle.workflowId}/${(await handle.describe()).runId}`;
      await waitFor(async () => ((await lineage.stepsOfRun(stack.opened.db, runId)).some((s) => s.stepName === 'pretrain' && s.status === 'running') ? true : undefined), 'pretraining to start', 120_000).catch(async (err: unknown) => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        throw new Error(`${(err as Error).message}; pending: ${JSON.stringify(pending.map((p) => [p.activityType?.name, p.attempt, p.lastFailure?.message]))}; worker stderr: ${workerErrors.join('').slice(-2000)}`);
      });
      await stopProcess(proc);
      const stoppedAt = Date.now();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      proc = startMinio(state, minio);
      await waitForMinio(proc, minio, 60_000);
      console.log(`MinIO was down for ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);

      const result = (await handle.result()) as PipelineResult;
      expect(result.metrics['valued.ndcg@10']).toBeGreaterThanOrEqual(0);
      const steps = await lineage.stepsOfRun(stack.opened.db, runId);
      const pretrain = steps.filter((s) => s.stepName === 'pretrain');
      console.log(`pretrain attempts: ${pretrain.map((s) => `#${s.attempt} ${s.status}${s.error ? ` (${s.error.slice(0, 60)})` : ''}`).join('; ')}`);
      // The old policy (maximumAttempts: 5) gave up within this outage; the budget does not.
      expect(pretrain.length).toBeGreaterThan(5);
      expect(pretrain.filter((s) => s.status === 'completed')).toHaveLength(1);
      // every failed attempt failed because the store was away (listed when one did not)
      expect(pretrain.filter((s) => s.status !== 'completed' && !/unreachable|ECONNREFUSED|ECONNRESET|socket/i.test(s.error ?? '')).map((s) => `#${s.attempt} ${s.status}: ${s.error}`)).toEqual([]);
      // one completed attempt per step, none left running, no attempt recorded twice
      const completed = steps.filter((s) => s.status === 'completed').map((s) => s.stepName).sort();
      expect(completed).toEqual(['control-finetune', 'infer', 'preprocess', 'pretrain', 'report', 'value', 'valued-finetune']);
      expect(steps.filter((s) => s.status === 'running')).toHaveLength(0);
      expect(new Set(steps.map((s) => `${s.stepName}#${s.attempt}`)).size).toBe(steps.length);
      // nothing partial: every alias the run published resolves to complete, existing content
      const store = await createArtifactStore(readServices({ ...process.env, ...privateStore }));
      const published = await store.listRun(runId.replaceAll('/', '+'));
      expect(published.length).toBeGreaterThan(0);
      for (const a of published) expect(await store.exists(a.ref), `${a.step}/${a.name}`).toBe(true);
      for (const output of result.steps.flatMap((s) => Object.values(s.outputs))) expect(await store.exists(output)).toBe(true);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map(waitForExit));
      await stopProcess(proc);
    }
  });
});
