// The step runner on the real store and lineage database, inside a mocked activity context:
// raw inputs keyed by role (two files named data.csv in different folders stay two), a cache
// that misses when a source changes and in the step after it, and no checkpoint folder left.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { artifactStore, closeRuntime, lineageDb } from '../../activities/runtime';
import { executeStep } from '../../activities/step-runner';
import * as lineage from '../../shared/db/lineage';
import type { StepRequest, StepResult } from '../../shared/pipeline/contract';
import type { StepDefinition } from '../../shared/pipeline/step';
import { preprocessStep } from '../../shared/pipeline/steps/preprocess';
import { pretrainStep } from '../../shared/pipeline/steps/pretrain';
import { repoRoot } from '../../infra/dev/paths';
import { requireServices } from '../support/services';
import { tinySpec } from '../support/pipeline';

const ML100K = path.resolve(repoRoot, '..', 'shared', 'data', 'ml-100k');

/** ml-100k as the canonical CSVs, events and items both called data.csv in their own folders. */
function writeSources(root: string, events: number): { events: string; items: string } {
  const inter = readFileSync(path.join(ML100K, 'ml-100k.inter'), 'utf8').trim().split('\n').slice(1, events + 1);
  const items = readFileSync(path.join(ML100K, 'ml-100k.item'), 'utf8').trim().split('\n').slice(1);
  const files = { events: path.join(root, 'ev', 'data.csv'), items: path.join(root, 'it', 'data.csv') };
  mkdirSync(path.dirname(files.events), { recursive: true });
  mkdirSync(path.dirname(files.items), { recursive: true });
  writeFileSync(files.events, ['user,item,type,timestamp', ...inter.map((l) => {
    const [u, i, r, t] = l.split('\t');
    return `${u},${i},${Number(r) >= 4 ? 'purchase' : 'view'},${t}`;
  })].join('\n'));
  writeFileSync(files.items, ['id,title', ...items.map((l) => { const [id, title] = l.split('\t'); return `${id},"${(title ?? '').replaceAll('"', '')}"`; })].join('\n'));
  return files;
}

let attempt = 0;
/** One step attempt through the runner, as a worker would run it. */
async function runStep(def: StepDefinition, request: StepRequest): Promise<StepResult> {
  const env = new MockActivityEnvironment({ attempt: 1, activityId: `a${++attempt}` });
  return env.run(() => executeStep(def, request));
}

beforeAll(() => requireServices('ASSAY_S3_ENDPOINT', 'ASSAY_DATABASE_URL'));
afterAll(() => closeRuntime());

describe('executeStep', () => {
  it('keys raw inputs by role: both data.csv files are fingerprinted and in lineage; cutting events re-runs preprocess and the step after it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'assay-roles-'));
    const files = writeSources(root, 3000);
    const spec = tinySpec('roles', { source: { format: 'csv', paths: files, allowedRoots: [root], preprocess: { split: { mode: 'leave-last-out' } } } });
    const { db } = await lineageDb();
    const request = async (name: string, inputs: StepRequest['inputs'] = {}): Promise<StepRequest> => {
      const runId = `${spec.dataset}/${name}`;
      await lineage.upsertRun(db, { id: runId, dataset: spec.dataset, partition: spec.partition, spec: {}, codeVersion: 'test' });
      return { run: { runId, executionId: name, dataset: spec.dataset, partition: spec.partition, codeVersion: 'test' }, spec, inputs, noCache: false };
    };
    const rawOf = async (runId: string) => (await lineage.upstream(db, { runId })).sources.map((a) => a.name).sort();

    const first = await runStep(preprocessStep, await request('first'));
    expect(first.cacheHit).toBe(false);
    expect(await rawOf(`${spec.dataset}/first`)).toEqual(['raw=events', 'raw=items']);
    const pretrained = await runStep(pretrainStep, await request('first-pretrain', first.outputs));
    expect(pretrained.cacheHit).toBe(false);

    const same = await runStep(preprocessStep, await request('same'));
    expect(same.cacheHit).toBe(true);
    expect((await runStep(pretrainStep, await request('same-pretrain', same.outputs))).cacheHit).toBe(true);

    writeSources(root, 1000); // the events file shrinks; the items file is the same
    const cut = await runStep(preprocessStep, await request('cut'));
    const cutPretrain = await runStep(pretrainStep, await request('cut-pretrain', cut.outputs));
    console.log(`after cutting ev/data.csv to 1000 rows: preprocess ${cut.cacheHit ? 'hit' : 'missed'}, pretrain ${cutPretrain.cacheHit ? 'hit' : 'missed'}; raw inputs ${(await rawOf(`${spec.dataset}/cut`)).join(', ')}`);
    expect(cut.cacheHit).toBe(false);
    expect(cut.fingerprint).not.toBe(first.fingerprint);
    expect(cut.metrics.eventsValid).toBeLessThan(first.metrics.eventsValid!);
    expect(cutPretrain.cacheHit).toBe(false);
    expect(await rawOf(`${spec.dataset}/cut`)).toEqual(['raw=events', 'raw=items']);
  });

  it('fails a missing events file once, as a non-retryable input error naming the setting, and stores nothing', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'assay-missing-'));
    const files = writeSources(root, 500);
    const missing = path.join(root, 'ev', 'gone.csv');
    const spec = tinySpec('missing', { source: { format: 'csv', paths: { ...files, events: missing }, allowedRoots: [root] } });
    const { db } = await lineageDb();
    const runId = `${spec.dataset}/missing`;
    await lineage.upsertRun(db, { id: runId, dataset: spec.dataset, partition: spec.partition, spec: {}, codeVersion: 'test' });
    const failure = await runStep(preprocessStep, { run: { runId, executionId: 'missing', dataset: spec.dataset, partition: spec.partition, codeVersion: 'test' }, spec, inputs: {}, noCache: true }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidInputError', nonRetryable: true });
    expect((failure as Error).message).toBe(`preprocess: source.paths.events: ${missing} does not exist; relative paths are resolved from the spec's folder`);
    expect(await (await artifactStore()).listRun(runId.replaceAll('/', '+'))).toEqual([]);
  });

  it('stores no raw file of a source whose rows all fail validation', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'assay-invalid-'));
    const files = writeSources(root, 500);
    writeFileSync(files.events, 'user,item,type,timestamp\n1,2,bogus,1\n');
    const spec = tinySpec('invalid', { source: { format: 'csv', paths: files, allowedRoots: [root] } });
    const { db } = await lineageDb();
    const runId = `${spec.dataset}/invalid`;
    await lineage.upsertRun(db, { id: runId, dataset: spec.dataset, partition: spec.partition, spec: {}, codeVersion: 'test' });
    const failure = await runStep(preprocessStep, { run: { runId, executionId: 'invalid', dataset: spec.dataset, partition: spec.partition, codeVersion: 'test' }, spec, inputs: {}, noCache: true }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ type: 'InvalidInputError', nonRetryable: true });
    expect(await (await artifactStore()).listRun(runId.replaceAll('/', '+'))).toEqual([]);
  });

  it('a training step leaves no checkpoint folder behind, and records the worker\'s code and the device its backend used', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'assay-tmp-'));
    const spec = tinySpec('scratch');
    const { db } = await lineageDb();
    const runId = `${spec.dataset}/scratch`;
    await lineage.upsertRun(db, { id: runId, dataset: spec.dataset, partition: spec.partition, spec: {}, codeVersion: 'test' });
    const request = (step: string, inputs: StepRequest['inputs'] = {}): StepRequest => ({ run: { runId, executionId: step, dataset: spec.dataset, partition: spec.partition, codeVersion: 'test' }, spec, inputs, noCache: true });
    const pre = await runStep(preprocessStep, request('pre'));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // os.tmpdir() follows it, so every folder the step makes lands here
    let result: StepResult;
    try {
      result = await runStep(pretrainStep, request('pretrain', pre.outputs));
    } finally {
      process.env.TMPDIR = previous;
    }
    expect(result.cacheHit).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    const row = (await lineage.stepsOfRun(db, runId)).find((s) => s.stepName === 'pretrain')!;
    expect(row.device).toBe(result.device);
    expect(row.codeVersion).toBe(result.codeVersion);
    expect(row.sourceDigest).toMatch(/^[0-9a-f]{64}$/);
    // this host has no GPU build of the native bindings: the step ran on the CPU
    expect(result.device).toBe('cpu');
  });
});
