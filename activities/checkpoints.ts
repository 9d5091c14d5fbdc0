// A training step's checkpoints in the artifact store: where a retried attempt resumes from.
// Each stored epoch is an index artifact ({epoch, files: {name: ref}}) under the run alias
// `<group>-checkpoint-latest.json`, and its reference rides along on every heartbeat.
// The same index is also published under the step's fingerprint, so a later execution of the
// same work (a resumed or re-run partition: same code, config and inputs) finds it too.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ArtifactStore } from '../shared/store';
import { ArtifactRefSchema, type ArtifactRef } from '../shared/store/manifest';
import { restoreCheckpointFile } from './checkpoint-framing';

export interface Checkpoint {
  /** epochs completed when it was stored */
  epoch: number;
  /** the checkpoint index artifact */
  index: ArtifactRef;
}

const HeartbeatCheckpointSchema = z.object({ epoch: z.number().int().min(0), checkpoint: ArtifactRefSchema });
// `framed`: the files are stored framed (checkpoint-framing.ts); indexes stored before framing lack it.
const CheckpointIndexSchema = z.object({ epoch: z.number().int().min(0), files: z.record(z.string(), ArtifactRefSchema), framed: z.boolean().optional() });

export function latestAliasName(group: string): string {
  return `${group}-checkpoint-latest.json`;
}

/**
 * The alias run under which checkpoints are kept by fingerprint rather than by execution. The
 * fingerprint covers the step's code, config and inputs, so any checkpoint found there is one
 * of this very computation.
 */
export function fingerprintRun(fingerprint: string): string {
  return `checkpoints+${fingerprint}`;
}

/** The checkpoint a previous attempt's last heartbeat named, if the details carry one. */
export function checkpointOfHeartbeat(details: unknown): Checkpoint | undefined {
  const parsed = HeartbeatCheckpointSchema.safeParse(details);
  return parsed.success ? { epoch: parsed.data.epoch, index: parsed.data.checkpoint } : undefined;
}

/**
 * The one to resume from: the higher epoch. The server keeps only the heartbeats that got
 * through (they are throttled, and lost with a worker or a server restart), while the store
 * alias moves with every stored epoch, so either may be ahead of the other.
 */
export function newerCheckpoint(fromHeartbeat: Checkpoint | undefined, fromStore: Checkpoint | undefined): Checkpoint | undefined {
  if (!fromHeartbeat) return fromStore;
  if (!fromStore) return fromHeartbeat;
  return fromStore.epoch > fromHeartbeat.epoch ? fromStore : fromHeartbeat;
}

/** The checkpoint the store alias points at; undefined when the step stored none in this run. */
export async function storedCheckpoint(store: ArtifactStore, run: string, step: string, group: string): Promise<Checkpoint | undefined> {
  // An unreachable store throws here: the attempt retries later rather than start over.
  const manifest = await store.resolveAlias(run, step, latestAliasName(group));
  if (!manifest) return undefined;
  const index = CheckpointIndexSchema.parse(JSON.parse((await store.getBuffer(manifest)).toString('utf8')));
  return { epoch: index.epoch, index: { uri: manifest.uri, sha256: manifest.sha256, bytes: manifest.bytes } };
}

/** Downloads every file of the checkpoint into `dir`. */
export async function restoreCheckpoint(store: ArtifactStore, cp: Checkpoint, dir: string): Promise<void> {
  const index = CheckpointIndexSchema.parse(JSON.parse((await store.getBuffer(cp.index)).toString('utf8')));
  await mkdir(dir, { recursive: true });
  for (const [file, ref] of Object.entries(index.files)) await restoreCheckpointFile(store, ref, index.framed === true, path.join(dir, file));
}
