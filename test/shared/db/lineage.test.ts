import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifactByUri,
  closeRunningAttempts,
  createRun,
  finishStep,
  findCompletedStepByFingerprint,
  getRun,
  linkArtifacts,
  metricsOfRun,
  recordArtifact,
  recordMetric,
  recordMetrics,
  recordValueSummary,
  setRunStatus,
  startStepAttempt,
  stepsOfRun,
  upsertRun,
  valueSummariesOfRun,
} from '../../../shared/db/lineage';
import { openDatabase, type Database, type OpenedDatabase } from '../../../shared/db/open-database';
import { edges } from '../../../shared/db/schema';
import { freshDatabase, type DriverKind, type FreshDatabase } from './fresh-databases';

const digest = (n: number) => n.toString(16).padStart(64, '0');

async function newRun(db: Database, id: string) {
  return upsertRun(db, { id, dataset: 'retail', partition: '2024-01-01', spec: { keep: 0.8, lambda: 1 }, codeVersion: 'c1' });
}

async function edgeCount(db: Database, stepId: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(edges).where(eq(edges.stepId, stepId));
  return row!.n;
}

describe.each<DriverKind>(['pglite', 'postgres'])('lineage repository on %s', (kind) => {
  let fresh: FreshDatabase;
  let opened: OpenedDatabase;
  let db: Database;
  beforeAll(async () => {
    fresh = await freshDatabase(kind, `lineage_${kind}`);
    opened = await openDatabase(fresh.services);
    db = opened.db;
  });
  afterAll(async () => {
    await opened?.close();
    await fresh?.drop();
  });

  it('round-trips a run through its status changes, stamping start and finish once', async () => {
    const spec = { model: { layers: 2, heads: [4, 4] }, valuation: { method: 'knn-shapley', k: 10 } };
    const created = await createRun(db, { id: 'wf-a/run-1', dataset: 'retail', partition: '2024-01-02', spec, codeVersion: 'abc123' });
    expect(created).toMatchObject({ status: 'queued', startedAt: null, finishedAt: null, spec });
    await expect(createRun(db, { id: 'wf-a/run-1', dataset: 'x', partition: 'y', spec: {}, codeVersion: 'z' })).rejects.toThrow(/already exists/);

    const startAt = new Date('2024-01-02T10:00:00Z');
    const running = await setRunStatus(db, 'wf-a/run-1', 'running', { at: startAt });
    expect(running.startedAt?.toISOString()).toBe(startAt.toISOString());
    // a second "running" (a retried activity) keeps the first start
    await setRunStatus(db, 'wf-a/run-1', 'running', { at: new Date('2024-01-02T11:00:00Z') });
    const failed = await setRunStatus(db, 'wf-a/run-1', 'failed', { error: 'pretrain: out of memory', at: new Date('2024-01-02T12:00:00Z') });
    expect(failed).toMatchObject({ status: 'failed', error: 'pretrain: out of memory' });
    expect(failed.startedAt?.toISOString()).toBe(startAt.toISOString());
    expect(failed.finishedAt?.toISOString()).toBe('2024-01-02T12:00:00.000Z');

    // upsert refreshes the description but keeps the status
    await upsertRun(db, { id: 'wf-a/run-1', dataset: 'retail', partition: '2024-01-02', spec: { changed: true }, codeVersion: 'abc124' });
    expect(await getRun(db, 'wf-a/run-1')).toMatchObject({ status: 'failed', spec: { changed: true }, codeVersion: 'abc124' });
    await expect(setRunStatus(db, 'no-such-run', 'running')).rejects.toThrow(/no run with id no-such-run/);
  });

  it('records a step attempt once per (run, step, attempt) and measures its duration', async () => {
    await newRun(db, 'steps-run');
    const startedAt = new Date('2024-01-02T10:00:00.000Z');
    const attempt = { runId: 'steps-run', stepName: 'pretrain', attempt: 1, fingerprint: 'fp-pretrain', worker: 'gpu-0@host', device: 'cuda:0', computeBackend: 'tensorflow', codeVersion: 'def456+dirty', sourceDigest: 'a'.repeat(64), startedAt };
    const stepId = await startStepAttempt(db, attempt);
    expect(await startStepAttempt(db, attempt)).toBe(stepId);
    const finished = await finishStep(db, stepId, { status: 'failed', error: 'worker lost', finishedAt: new Date(startedAt.getTime() + 1234) });
    expect(finished).toMatchObject({ status: 'failed', durationMs: 1234, error: 'worker lost', cacheHit: false, device: 'cuda:0', computeBackend: 'tensorflow', codeVersion: 'def456+dirty', sourceDigest: 'a'.repeat(64) });

    const retry = await startStepAttempt(db, { ...attempt, attempt: 2, startedAt: new Date(startedAt.getTime() + 5000) });
    expect(retry).not.toBe(stepId);
    await finishStep(db, retry, { status: 'completed', cacheHit: true, finishedAt: new Date(startedAt.getTime() + 5000) });
    const all = await stepsOfRun(db, 'steps-run');
    expect(all.map((s) => [s.attempt, s.status, s.cacheHit, s.durationMs])).toEqual([
      [1, 'failed', false, 1234],
      [2, 'completed', true, 0],
    ]);
    await expect(finishStep(db, 987654, { status: 'completed' })).rejects.toThrow(/no step attempt with id 987654/);
    await expect(startStepAttempt(db, { ...attempt, attempt: 0 })).rejects.toThrow(/step attempt\.attempt/);
  });

  it('closes an attempt left running as lost when a later attempt of the same step starts, and touches no other step', async () => {
    await newRun(db, 'lost-run');
    const attempt = { runId: 'lost-run', stepName: 'pretrain', attempt: 1, fingerprint: 'fp-pretrain', worker: 'gpu-0@host' };
    const first = await startStepAttempt(db, attempt);
    const otherVariant = await startStepAttempt(db, { ...attempt, stepName: 'control-finetune' });
    const second = await startStepAttempt(db, { ...attempt, attempt: 2 });
    // re-sending attempt 2's start (a retried write) must not close attempt 2 itself
    expect(await startStepAttempt(db, { ...attempt, attempt: 2 })).toBe(second);
    const byId = Object.fromEntries((await stepsOfRun(db, 'lost-run')).map((s) => [s.id, s]));
    expect(byId[first]).toMatchObject({ status: 'lost', error: expect.stringMatching(/attempt 2 of this step started/) });
    expect(byId[first]!.finishedAt).not.toBeNull();
    expect(byId[second]!.status).toBe('running');
    expect(byId[otherVariant]!.status).toBe('running');
    expect(Object.keys(byId)).toHaveLength(3);
  });

  it('a completion Temporal never received does not count: an attempt finished before, or reporting after, a later attempt started is lost', async () => {
    await newRun(db, 'late-run');
    const attempt = { runId: 'late-run', stepName: 'pretrain', attempt: 1, fingerprint: 'fp-late' };
    // finished while the server was away, then the server retried the step
    const early = await startStepAttempt(db, attempt);
    await finishStep(db, early, { status: 'completed' });
    const second = await startStepAttempt(db, { ...attempt, attempt: 2 });
    // attempt 2's worker vanished; attempt 3 runs; attempt 2 then reports a completion too late
    const third = await startStepAttempt(db, { ...attempt, attempt: 3 });
    const late = await finishStep(db, second, { status: 'completed' });
    await finishStep(db, third, { status: 'completed' });
    const byId = Object.fromEntries((await stepsOfRun(db, 'late-run')).map((s) => [s.id, s]));
    expect(byId[early]).toMatchObject({ status: 'lost', error: expect.stringMatching(/never reached Temporal: attempt 2 of this step started/) });
    expect(late).toMatchObject({ status: 'lost', error: expect.stringMatching(/attempt 3 of this step started/) });
    expect(byId[third]!.status).toBe('completed');
    expect(Object.values(byId).filter((s) => s.status === 'completed')).toHaveLength(1);
  });

  it('closes the attempts still running when their run ends, in that run only, and leaves finished ones as they are', async () => {
    await newRun(db, 'ended-run');
    await newRun(db, 'other-run');
    const attempt = { runId: 'ended-run', stepName: 'preprocess', attempt: 1, fingerprint: 'fp-pre' };
    const done = await startStepAttempt(db, attempt);
    await finishStep(db, done, { status: 'completed' });
    const orphan = await startStepAttempt(db, { ...attempt, stepName: 'pretrain' });
    const elsewhere = await startStepAttempt(db, { ...attempt, runId: 'other-run', stepName: 'pretrain' });
    expect(await closeRunningAttempts(db, 'ended-run', 'cancelled')).toBe(1);
    const byId = Object.fromEntries([...(await stepsOfRun(db, 'ended-run')), ...(await stepsOfRun(db, 'other-run'))].map((s) => [s.id, s]));
    expect(byId[orphan]).toMatchObject({ status: 'lost', error: expect.stringMatching(/the run ended \(cancelled\)/) });
    expect(byId[done]!.status).toBe('completed');
    expect(byId[elsewhere]!.status).toBe('running');
    // a late report from the lost attempt's worker still says what really happened
    expect((await finishStep(db, orphan, { status: 'failed', error: 'late' })).status).toBe('failed');
  });

  it('records an artifact once per uri, keeps large sizes exact and refuses a changed digest', async () => {
    await newRun(db, 'artifact-run');
    const ref = { uri: 's3://assay/sha256/' + digest(1), sha256: digest(1), bytes: 5_000_000_123, kind: 'checkpoint', runId: 'artifact-run', step: 'pretrain', name: 'encoder' };
    const first = await recordArtifact(db, ref);
    const again = await recordArtifact(db, ref);
    expect(again.id).toBe(first.id);
    expect(await artifactByUri(db, ref.uri)).toMatchObject({ bytes: 5_000_000_123, kind: 'checkpoint', step: 'pretrain', name: 'encoder' });
    await expect(recordArtifact(db, { ...ref, sha256: digest(2) })).rejects.toThrow(/already recorded with sha256 0+1, not 0+2/);
    await expect(recordArtifact(db, { ...ref, uri: 'x', sha256: 'not-hex' })).rejects.toThrow(/artifact\.sha256/);
  });

  it('adds no edge rows when a retried attempt links the same artifacts again', async () => {
    await newRun(db, 'edge-run');
    const input = await recordArtifact(db, { uri: 'file:///raw/events.csv', sha256: digest(10), bytes: 10, kind: 'raw' });
    const output = await recordArtifact(db, { uri: 'mem://edge-run/train', sha256: digest(11), bytes: 11, kind: 'dataset', runId: 'edge-run' });
    const first = await startStepAttempt(db, { runId: 'edge-run', stepName: 'preprocess', attempt: 1, fingerprint: 'fp-edge' });
    await linkArtifacts(db, first, [input.uri], [output.uri]);
    await linkArtifacts(db, first, [input.uri, input.uri], [output.uri]);
    expect(await edgeCount(db, first)).toBe(2);

    // the same attempt re-sent by Temporal lands on the same step row, so still two edges
    const resent = await startStepAttempt(db, { runId: 'edge-run', stepName: 'preprocess', attempt: 1, fingerprint: 'fp-edge' });
    await linkArtifacts(db, resent, [input.uri], [output.uri]);
    expect(await edgeCount(db, first)).toBe(2);

    // a real second attempt is a new step with its own edges
    const second = await startStepAttempt(db, { runId: 'edge-run', stepName: 'preprocess', attempt: 2, fingerprint: 'fp-edge' });
    await linkArtifacts(db, second, [input.uri], [output.uri]);
    await linkArtifacts(db, second, [input.uri], [output.uri]);
    expect(await edgeCount(db, second)).toBe(2);
    const inputsOfSecond = await db.select().from(edges).where(and(eq(edges.stepId, second), eq(edges.direction, 'input')));
    expect(inputsOfSecond.map((e) => e.artifactId)).toEqual([input.id]);

    await expect(linkArtifacts(db, second, ['file:///never-recorded'], [])).rejects.toThrow(/no artifact recorded for file:\/\/\/never-recorded/);
  });

  it('finds the newest completed step for a fingerprint, with its outputs, ignoring failed and unfinished ones', async () => {
    await newRun(db, 'cache-run-1');
    await newRun(db, 'cache-run-2');
    const out1 = await recordArtifact(db, { uri: 'mem://cache/1', sha256: digest(21), bytes: 1, kind: 'embeddings' });
    const out2 = await recordArtifact(db, { uri: 'mem://cache/2', sha256: digest(22), bytes: 2, kind: 'checkpoint' });
    const failed = await startStepAttempt(db, { runId: 'cache-run-1', stepName: 'pretrain', attempt: 1, fingerprint: 'fp-cache' });
    await linkArtifacts(db, failed, [], [out1.uri]);
    await finishStep(db, failed, { status: 'failed', error: 'boom' });
    expect(await findCompletedStepByFingerprint(db, 'fp-cache')).toBeUndefined();

    const done = await startStepAttempt(db, { runId: 'cache-run-1', stepName: 'pretrain', attempt: 2, fingerprint: 'fp-cache' });
    await linkArtifacts(db, done, [], [out2.uri, out1.uri]);
    await finishStep(db, done, { status: 'completed' });
    const running = await startStepAttempt(db, { runId: 'cache-run-2', stepName: 'pretrain', attempt: 1, fingerprint: 'fp-cache' });
    await linkArtifacts(db, running, [], [out1.uri]);

    const hit = await findCompletedStepByFingerprint(db, 'fp-cache');
    expect(hit?.step.id).toBe(done);
    expect(hit?.outputs.map((a) => a.uri)).toEqual([out1.uri, out2.uri]);
    expect(await findCompletedStepByFingerprint(db, 'fp-unknown')).toBeUndefined();
  });

  it('keeps one row per metric identity, overwriting on re-record, per epoch and per model label', async () => {
    await newRun(db, 'metric-run');
    const stepId = await startStepAttempt(db, { runId: 'metric-run', stepName: 'finetune', attempt: 1, fingerprint: 'fp-m' });
    await recordMetrics(db, [
      { runId: 'metric-run', stepId, name: 'loss', value: 0.9, epoch: 0 },
      { runId: 'metric-run', stepId, name: 'loss', value: 0.5, epoch: 1 },
      { runId: 'metric-run', name: 'ndcg@10', value: 0.31, label: 'valued' },
      { runId: 'metric-run', name: 'ndcg@10', value: 0.27, label: 'control' },
      { runId: 'metric-run', name: 'ndcg@10', value: 0.12, label: 'most-popular' },
    ]);
    // a retried report re-sends final metrics; the newest value wins, no duplicates
    await recordMetric(db, { runId: 'metric-run', name: 'ndcg@10', value: 0.32, label: 'valued' });
    await recordMetrics(db, [
      { runId: 'metric-run', stepId, name: 'loss', value: 0.45, epoch: 1 },
      { runId: 'metric-run', stepId, name: 'loss', value: 0.4, epoch: 1 },
    ]);
    const all = await metricsOfRun(db, 'metric-run');
    expect(all.map((m) => [m.name, m.label, m.epoch, m.value])).toEqual([
      ['loss', null, 0, 0.9],
      ['loss', null, 1, 0.4],
      ['ndcg@10', 'control', null, 0.27],
      ['ndcg@10', 'most-popular', null, 0.12],
      ['ndcg@10', 'valued', null, 0.32],
    ]);
    expect((await metricsOfRun(db, 'metric-run', { label: 'valued', finalOnly: true })).map((m) => m.value)).toEqual([0.32]);
    await expect(recordMetric(db, { runId: 'metric-run', name: 'auc', value: Number.NaN })).rejects.toThrow(/metrics\[0\]\.value/);
  });

  it('round-trips a value summary, pointing at the artifact with every value, and replaces it on re-record', async () => {
    await newRun(db, 'value-run');
    const values = await recordArtifact(db, { uri: 'mem://value-run/values.arrow', sha256: digest(31), bytes: 4096, kind: 'values', runId: 'value-run' });
    const summary = {
      runId: 'value-run', method: 'knn-shapley', unit: 'interaction' as const, count: 1024, mean: 0.001, std: 0.02, min: -0.05, max: 0.09,
      quantiles: { '0.1': -0.01, '0.5': 0.0005, '0.9': 0.02 }, keptCount: 819, threshold: -0.002, valuesUri: values.uri,
    };
    const saved = await recordValueSummary(db, summary);
    expect(saved).toMatchObject({ method: 'knn-shapley', count: 1024, keptCount: 819, quantiles: summary.quantiles, valuesArtifactId: values.id });
    await recordValueSummary(db, { ...summary, keptCount: 700, threshold: 0.0 });
    const all = await valueSummariesOfRun(db, 'value-run');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ keptCount: 700, threshold: 0 });
    await expect(recordValueSummary(db, { ...summary, method: 'loss', valuesUri: 'mem://missing' })).rejects.toThrow(/no artifact recorded for mem:\/\/missing/);
  });
});
