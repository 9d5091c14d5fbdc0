// Where a retried training attempt resumes: the newer of the last heartbeat's checkpoint and
// the one the store alias points at, whichever has more epochs completed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointOfHeartbeat, fingerprintRun, latestAliasName, newerCheckpoint, storedCheckpoint, type Checkpoint } from '../../activities/checkpoints';
import { LocalArtifactStore } from '../../shared/store';

const ref = (n: number) => ({ uri: `sha256/${n.toString(16).padStart(64, '0')}`, sha256: n.toString(16).padStart(64, '0'), bytes: n });
const at = (epoch: number): Checkpoint => ({ epoch, index: ref(epoch + 1) });

describe('resume checkpoint choice', () => {
  it('takes the store\'s checkpoint when it is ahead of the last heartbeat that reached the server', () => {
    expect(newerCheckpoint(at(13), at(18))).toEqual(at(18));
  });

  it('takes the heartbeat\'s checkpoint when it is ahead of the store alias', () => {
    expect(newerCheckpoint(at(7), at(5))).toEqual(at(7));
  });

  it('uses whichever exists when only one does, and nothing when neither does', () => {
    expect(newerCheckpoint(undefined, at(4))).toEqual(at(4));
    expect(newerCheckpoint(at(4), undefined)).toEqual(at(4));
    expect(newerCheckpoint(undefined, undefined)).toBeUndefined();
  });

  it('reads a checkpoint from heartbeat details only when they carry an epoch and a valid reference', () => {
    expect(checkpointOfHeartbeat({ epoch: 3, checkpoint: ref(9), checkpointUri: ref(9).uri, progress: { phase: 'train' } })).toEqual({ epoch: 3, index: ref(9) });
    expect(checkpointOfHeartbeat({ progress: { phase: 'starting' } })).toBeUndefined();
    expect(checkpointOfHeartbeat({ epoch: 3, checkpoint: { uri: 'x' } })).toBeUndefined();
    expect(checkpointOfHeartbeat(undefined)).toBeUndefined();
  });

  it('finds the epoch the store alias points at after several stored epochs', async () => {
    const store = new LocalArtifactStore(mkdtempSync(path.join(tmpdir(), 'assay-cp-')));
    expect(await storedCheckpoint(store, 'r1', 'pretrain', 'pretrain')).toBeUndefined();
    for (const epoch of [1, 2, 3]) {
      const file = await store.put(Buffer.from(`weights ${epoch}`), { run: 'r1', step: 'pretrain', name: `pretrain-checkpoint-${epoch}-model.bin` });
      await store.put(Buffer.from(JSON.stringify({ epoch, files: { 'model.bin': file } })), { run: 'r1', step: 'pretrain', name: latestAliasName('pretrain'), contentType: 'application/json' });
    }
    const stored = await storedCheckpoint(store, 'r1', 'pretrain', 'pretrain');
    expect(stored?.epoch).toBe(3);
    expect(newerCheckpoint(at(2), stored)?.epoch).toBe(3);
  });

  it('a checkpoint kept under the step\'s fingerprint is found by another execution of the same work', async () => {
    const store = new LocalArtifactStore(mkdtempSync(path.join(tmpdir(), 'assay-cp-')));
    const fingerprint = 'f'.repeat(64);
    const file = await store.put(Buffer.from('weights 5'), { run: 'exec-1', step: 'pretrain', name: 'pretrain-checkpoint-5-model.bin' });
    const index = Buffer.from(JSON.stringify({ epoch: 5, files: { 'model.bin': file } }));
    await store.put(index, { run: 'exec-1', step: 'pretrain', name: latestAliasName('pretrain'), contentType: 'application/json' });
    await store.put(index, { run: fingerprintRun(fingerprint), step: 'pretrain', name: latestAliasName('pretrain'), contentType: 'application/json' });
    // a new execution has nothing under its own run, and finds epoch 5 under the fingerprint
    expect(await storedCheckpoint(store, 'exec-2', 'pretrain', 'pretrain')).toBeUndefined();
    expect((await storedCheckpoint(store, fingerprintRun(fingerprint), 'pretrain', 'pretrain'))?.epoch).toBe(5);
    expect(await storedCheckpoint(store, fingerprintRun('e'.repeat(64)), 'pretrain', 'pretrain')).toBeUndefined();
  });
});
