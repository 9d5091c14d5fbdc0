// Checkpoint retention on the real store (MinIO) and lineage database: a training step keeps
// the newest `checkpoints.keep` epochs, deletes older ones as it trains, and a retry still
// resumes from the newest. Framed files keep one run's deletions from touching another's bytes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactStore, closeRuntime, lineageDb } from '../../activities/runtime';
import { executeStep } from '../../activities/step-runner';
import { CheckpointRetention, parseFileAliasName, storeCheckpoint, type StoredCheckpoint } from '../../activities/checkpoint-store';
import { restoreCheckpoint, storedCheckpoint } from '../../activities/checkpoints';
import * as lineage from '../../shared/db/lineage';
import type { StepRequest, StepResult } from '../../shared/pipeline/contract';
import type { StepDefinition } from '../../shared/pipeline/step';
import { preprocessStep } from '../../shared/pipeline/steps/preprocess';
import { pretrainStep } from '../../shared/pipeline/steps/pretrain';
import { loadCheckpoint } from '../../shared/ml/checkpoint';
import { requireServices } from '../support/services';
import { tinySpec } from '../support/pipeline';

beforeAll(() => requireServices('ASSAY_S3_ENDPOINT', 'ASSAY_DATABASE_URL'));
afterAll(() => closeRuntime());

/** A checkpoint folder whose two files hold `text` (the same bytes across runs when `text` is). */
function checkpointDir(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'assay-ckpt-test-'));
  writeFileSync(path.join(dir, 'tensors.bin'), `weights ${text}`);
  writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ text }));
  return dir;
}

describe('checkpoint retention', () => {
  it('keeps the newest N epochs as training goes on, deletes older aliases and content, and learns earlier attempts\' epochs', async () => {
    const store = await artifactStore();
    const place = { run: `retain-${randomUUID()}`, step: 'pretrain', group: 'pretrain' };
    const other = { ...place, run: `retain-other-${randomUUID()}` };
    // Another run with byte-identical checkpoint files at epoch 1 (same seed, same config).
    const otherEpoch1 = await storeCheckpoint(store, other, 1, checkpointDir('epoch 1'));
    const retention = new CheckpointRetention(store, place, 2);
    const stored: StoredCheckpoint[] = [];
    for (const epoch of [1, 2, 3, 4]) {
      stored.push(await storeCheckpoint(store, place, epoch, checkpointDir(`epoch ${epoch}`)));
      await retention.stored(stored[stored.length - 1]!);
    }
    const epochsInStore = async () => [...new Set((await store.listRun(place.run)).flatMap((a) => {
      const parsed = parseFileAliasName(place.group, a.name);
      return parsed ? [parsed.epoch] : [];
    }))].sort();
    expect(await epochsInStore()).toEqual([3, 4]);
    for (const old of stored.slice(0, 2)) {
      for (const ref of [old.index, ...Object.values(old.files)]) expect(await store.exists(ref)).toBe(false);
    }
    for (const kept of stored.slice(2)) {
      for (const ref of [kept.index, ...Object.values(kept.files)]) expect(await store.exists(ref)).toBe(true);
    }
    // the other run's identical epoch 1 is untouched
    const restoredOther = mkdtempSync(path.join(tmpdir(), 'assay-ckpt-other-'));
    await restoreCheckpoint(store, otherEpoch1, restoredOther);
    expect(readFileSync(path.join(restoredOther, 'tensors.bin'), 'utf8')).toBe('weights epoch 1');

    // A later attempt of the same step: its retention finds epochs 3 and 4 in the store.
    const retry = new CheckpointRetention(store, place, 2);
    const five = await storeCheckpoint(store, place, 5, checkpointDir('epoch 5'));
    expect(await retry.stored(five)).toEqual([3]);
    expect(await epochsInStore()).toEqual([4, 5]);
    const newest = await storedCheckpoint(store, place.run, place.step, place.group);
    expect(newest?.epoch).toBe(5);
    const restored = mkdtempSync(path.join(tmpdir(), 'assay-ckpt-restored-'));
    await restoreCheckpoint(store, newest!, restored);
    expect(readFileSync(path.join(restored, 'tensors.bin'), 'utf8')).toBe('weights epoch 5');
  });

  it('a pretraining of 6 epochs with checkpoints.keep 2 leaves 2 checkpoints and its final model; a retry resumes from the newest', async () => {
    const spec = tinySpec('retain', { pretrain: { encoder: { dim: 16, layers: 1, heads: 1, maxLen: 16 }, epochs: 6, batchSize: 64, text: { maxTokens: 8 } }, checkpoints: { keep: 2 } });
    const { db } = await lineageDb();
    const runId = `${spec.dataset}/retain`;
    await lineage.upsertRun(db, { id: runId, dataset: spec.dataset, partition: spec.partition, spec: {}, codeVersion: 'test' });
    const request = (inputs: StepRequest['inputs'] = {}): StepRequest => ({ run: { runId, executionId: 'e1', dataset: spec.dataset, partition: spec.partition, codeVersion: 'test' }, spec, inputs, noCache: true });
    let attempt = 0;
    const runStep = (def: StepDefinition, req: StepRequest): Promise<StepResult> => new MockActivityEnvironment({ attempt: ++attempt, activityId: `r${attempt}` }).run(() => executeStep(def, req));
    const pre = await runStep(preprocessStep, request());
    const first = await runStep(pretrainStep, request(pre.outputs));
    expect(first.metrics.epochs).toBe(6);
    const store = await artifactStore();
    const storeRun = runId.replaceAll('/', '+');
    const checkpointEpochs = [...new Set((await store.listRun(storeRun)).flatMap((a) => {
      const parsed = a.step === 'pretrain' ? parseFileAliasName('pretrain', a.name) : undefined;
      return parsed ? [parsed.epoch] : [];
    }))].sort();
    expect(checkpointEpochs).toEqual([5, 6]);
    // the final model is the step's output besides them, and loads
    expect(Object.keys(first.outputs).filter((n) => n.startsWith('pretrain='))).toContain('pretrain=tensors.bin');
    const newest = await storedCheckpoint(store, storeRun, 'pretrain', 'pretrain');
    expect(newest?.epoch).toBe(6);
    const restored = mkdtempSync(path.join(tmpdir(), 'assay-ckpt-restored-'));
    await restoreCheckpoint(store, newest!, restored);
    await expect(loadCheckpoint(restored)).resolves.toBeDefined();
    // A retry of the step in the same run resumes from epoch 6, with nothing left to train.
    const retry = await runStep(pretrainStep, request(pre.outputs));
    expect(retry.metrics.resumedFromEpoch).toBe(6);
  });
});
