// Connects a training loop (shared/ml) to a step context: checkpoints go to the store and
// heartbeats after every epoch, progress heartbeats between batches, cancellation stops
// training after the current batch.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TrainingRun } from '../../ml/training-loop';
import type { StepContext } from '../step';

const HEARTBEAT_EVERY_MS = 2000;

export class StepCancelledError extends Error {
  override name = 'StepCancelledError';
}

export async function trainingRunFor(ctx: StepContext, epochs: number, label: string): Promise<TrainingRun> {
  // Inside the step's scratch folder, so the runner's cleanup removes every epoch's checkpoint.
  const checkpointDir = await mkdtemp(path.join(ctx.scratchDir ?? tmpdir(), `assay-${label}-ckpt-`));
  let epoch = ctx.resumeEpoch ?? 0;
  let loss: number | undefined;
  let lastBeat = 0;
  return {
    checkpointDir,
    resumeFrom: ctx.resumeDir,
    async onEpoch(p) {
      epoch = p.epoch;
      loss = p.loss;
      await ctx.checkpoint(p.epoch, p.checkpointDir, { phase: label, epoch: p.epoch, epochs, loss: p.loss });
      await ctx.recordEpochMetrics(p.epoch, { loss: p.loss });
    },
    shouldStop() {
      const now = Date.now();
      if (now - lastBeat > HEARTBEAT_EVERY_MS) {
        lastBeat = now;
        ctx.heartbeat({ phase: label, epoch, epochs, loss });
      }
      return ctx.cancelled();
    },
    log: (line) => console.log(`[${label}] ${line}`),
  };
}
