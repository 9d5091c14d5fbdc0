// Live progress of a run in the terminal: one bar per step, fed by the workflow's `progress`
// query and the running activity's heartbeat details (epoch, loss).
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { STEPS, type RunProgress } from '../shared/pipeline/contract';

interface Heartbeat { epoch?: number; epochs?: number; loss?: number; phase?: string }

async function currentHeartbeat(handle: WorkflowHandle): Promise<Heartbeat | undefined> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.[0];
  const payload = pending?.heartbeatDetails?.payloads?.[0]?.data;
  if (!payload) return undefined;
  try { return (JSON.parse(Buffer.from(payload).toString('utf8')) as { progress?: Heartbeat }).progress; } catch { return undefined; }
}

/** Polls until the workflow closes; draws bars on a TTY, prints step transitions otherwise. */
export async function watchRun(handle: WorkflowHandle, intervalMs = 500): Promise<void> {
  const tty = Boolean(process.stderr.isTTY);
  const bars = new MultiBar({ format: ' {step} |{bar}| {detail}', hideCursor: true, clearOnComplete: false, stream: process.stderr, noTTYOutput: false }, Presets.shades_classic);
  const perStep = new Map<string, SingleBar>();
  const printed = new Set<string>();
  const done = handle.result().then(() => undefined, () => undefined);
  let finished = false;
  void done.then(() => { finished = true; });
  try {
    for (;;) {
      // One more pass after the run closes, so the last step's bar ends as done.
      const closing = finished;
      const progress = await handle.query<RunProgress>('progress').catch(() => undefined);
      const beat = await currentHeartbeat(handle).catch(() => undefined);
      if (progress) {
        for (const step of STEPS) {
          const complete = progress.completed.includes(step);
          const running = progress.step === step;
          if (!complete && !running) continue;
          const detail = complete ? (progress.cacheHits.includes(step) ? 'cache hit' : 'done') : beat?.epoch !== undefined ? `epoch ${beat.epoch}${beat.epochs ? `/${beat.epochs}` : ''}${beat.loss !== undefined ? ` loss ${beat.loss.toFixed(4)}` : ''}` : (beat?.phase ?? 'running');
          const total = beat?.epochs ?? 1;
          const value = complete ? total : (beat?.epoch ?? 0);
          if (tty) {
            let bar = perStep.get(step);
            if (!bar) { bar = bars.create(total, 0, { step: step.padEnd(10), detail }); perStep.set(step, bar); }
            bar.setTotal(complete ? Math.max(total, 1) : total);
            bar.update(complete ? Math.max(total, 1) : value, { step: step.padEnd(10), detail });
          } else if (!printed.has(`${step}:${detail}`) && (complete || !printed.has(`${step}:started`))) {
            console.error(`  ${step.padEnd(10)} ${detail}`);
            printed.add(`${step}:${detail}`);
            printed.add(`${step}:started`);
          }
        }
      }
      if (closing) break;
      await Promise.race([done, new Promise((r) => setTimeout(r, intervalMs))]);
    }
  } finally {
    bars.stop();
  }
}
