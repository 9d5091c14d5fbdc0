// A training step attempt's checkpoints: where it resumes from (the newest of the last
// heartbeat's, this execution's and, with the cache on, one another execution of the same
// fingerprint stored), each epoch stored and named on the heartbeat (and under the fingerprint),
// older epochs deleted by the spec's retention rule, and the workflow told for its live details.
import path from 'node:path';
import { log } from '@temporalio/activity';
import { PipelineSpecSchema } from '../shared/pipeline/spec';
import type { StepProgress } from '../shared/pipeline/step';
import type { ArtifactStore } from '../shared/store';
import { CheckpointRetention, storeCheckpoint, type CheckpointPlace } from './checkpoint-store';
import { checkpointOfHeartbeat, fingerprintRun, newerCheckpoint, restoreCheckpoint, storedCheckpoint } from './checkpoints';
import { signalEpoch } from './runtime';
import { errorText } from './step-failure';

/** How many epochs of checkpoints a training step keeps in the store (spec `checkpoints.keep`). */
export function checkpointsKept(spec: unknown): number {
  return PipelineSpecSchema.shape.checkpoints.parse((spec as { checkpoints?: unknown } | null)?.checkpoints ?? {}).keep;
}

export class StepCheckpoints {
  /** the newest checkpoint, as every heartbeat carries it ({epoch, checkpoint, checkpointUri}) */
  heartbeatFields: Record<string, unknown> = {};
  private retention: CheckpointRetention | undefined;

  constructor(
    private readonly store: ArtifactStore,
    private readonly place: CheckpointPlace,
    private readonly keep: number,
    private readonly opts: {
      /** the step's fingerprint: each stored index is published under it too */
      fingerprint: string;
      /** resume from a checkpoint another execution of the same fingerprint stored (not with --no-cache) */
      shareAcrossExecutions: boolean;
      /** the workflow to tell about stored epochs, when there is one */
      workflow?: { workflowId: string; runId: string };
    },
  ) {}

  /** Restores the newest checkpoint into `<work>/resume`, if a previous attempt left one. */
  async restore(previousHeartbeat: unknown, work: string): Promise<{ resumeDir?: string; resumeEpoch?: number }> {
    const { run, step, group } = this.place;
    const ofThisRun = await storedCheckpoint(this.store, run, step, group);
    const ofFingerprint = this.opts.shareAcrossExecutions ? await storedCheckpoint(this.store, fingerprintRun(this.opts.fingerprint), step, group) : undefined;
    const resume = newerCheckpoint(checkpointOfHeartbeat(previousHeartbeat), newerCheckpoint(ofThisRun, ofFingerprint));
    if (!resume) return {};
    const resumeDir = path.join(work, 'resume');
    await restoreCheckpoint(this.store, resume, resumeDir);
    this.heartbeatFields = { epoch: resume.epoch, checkpoint: resume.index, checkpointUri: resume.index.uri };
    return { resumeDir, resumeEpoch: resume.epoch };
  }

  /** Stores epoch `epoch`'s folder, calls `beat` once the heartbeat names it, then applies retention. */
  async stored(epoch: number, dir: string, details: StepProgress | undefined, beat: () => void): Promise<void> {
    const stored = await storeCheckpoint(this.store, this.place, epoch, dir, [fingerprintRun(this.opts.fingerprint)]);
    this.heartbeatFields = { epoch, checkpointUri: stored.index.uri, checkpoint: stored.index };
    beat();
    // Housekeeping after the heartbeat names the new one; a deletion that fails is retried
    // with the next epoch's, and never fails the step.
    this.retention ??= new CheckpointRetention(this.store, this.place, this.keep);
    await this.retention.stored(stored).catch((err: unknown) => log.warn(`${this.place.group}: could not delete old checkpoints yet`, { error: errorText(err) }));
    // Not awaited: while the Temporal server is away the signal waits on it, and training must not.
    const wf = this.opts.workflow;
    if (wf) void signalEpoch(wf.workflowId, wf.runId, { step: this.place.group, epoch, epochs: details?.epochs, loss: details?.loss });
  }
}
