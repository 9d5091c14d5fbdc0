// What every step activity shares, so each step file stays a thin adapter. One attempt of a
// step: fingerprint it and serve it from the step cache (step-cache.ts) when it can; else
// download its inputs and restore its checkpoint (artifact-io.ts, step-checkpoints.ts), run
// it with heartbeats, upload its outputs and publish its index; every lineage write goes
// through the attempt's journal (step-lineage.ts) and errors leave as step-failure.ts words
// them. A step's own code only sees local folders.
import { Context, activityInfo } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import type { PipelineSpec } from '../shared/pipeline/spec';
import { groupOf, poolOf } from '../shared/pipeline/step-table';
import type { StepContext, StepDefinition, StepOutcome, StepProgress } from '../shared/pipeline/step';
import type { CodeDigest } from '../shared/pipeline/code-digest';
import { codeVersion } from '../shared/pipeline/code-version';
import * as lineage from '../shared/db/lineage';
import { artifactStore, workerIdentity } from './runtime';
import { computeBackend, deviceUsed } from './compute';
import { aliasRun, digestSourceFiles, downloadInputs, GROUP_SEPARATOR, storeSourceFiles, uploadFolder, type RawDigests } from './artifact-io';
import { cachedStep, fingerprintOf, flatMetrics, publishStepIndex, recordedOutcome, stepCode, type EpochRecord } from './step-cache';
import { StepCheckpoints, checkpointsKept } from './step-checkpoints';
import { attemptJournal, FAILED_ATTEMPT_FLUSH_MS, flushHeartbeating, recordEpoch, recordOutcome, recordOutputs, runRecordsAfter } from './step-lineage';
import { errorText, toFailure } from './step-failure';
import { attemptStop } from './attempt-stop';
import { clipText, MAX_MESSAGE_CHARS } from '../shared/data/bounded-text';

export async function executeStep(def: StepDefinition, request: StepRequest): Promise<StepResult> {
  const started = Date.now();
  const { run } = request;
  const info = activityInfo();
  const ctx = Context.current();
  const group = groupOf(def.step, request.variant);
  // The step sees its slice of the spec and nothing else of it; the slice is what the fingerprint covers.
  const { spec, ...call } = request;
  const config = def.config(spec as PipelineSpec, call);
  const journal = attemptJournal(request.spec, def.step);
  const who = workerIdentity(poolOf(def.step));
  const compute = await computeBackend(def.step);
  const backend = compute.name;
  const device = deviceUsed(compute, who.device);
  const version = codeVersion();
  const storeRun = aliasRun(run.runId);
  let sourceFiles: Record<string, string>;
  let rawDigests: RawDigests;
  let code: CodeDigest;
  try {
    code = await stepCode(def);
    sourceFiles = def.sourceFiles ? await def.sourceFiles(config) : {};
    rawDigests = await digestSourceFiles(sourceFiles);
  } catch (err) {
    // No fingerprint without the code's and the source's digests; the attempt is still recorded, with why.
    const failedId = journal.value('start attempt', (db) => lineage.startStepAttempt(db, { runId: run.runId, stepName: group, attempt: info.attempt, fingerprint: 'unavailable', worker: who.worker, device, computeBackend: backend, codeVersion: version }));
    journal.enqueue('finish attempt', async (db) => lineage.finishStep(db, await failedId, { status: 'failed', error: errorText(err) }));
    await flushHeartbeating(journal, () => ctx.heartbeat(), FAILED_ATTEMPT_FLUSH_MS).catch(() => undefined);
    throw toFailure(err, def.step);
  }
  const fingerprint = fingerprintOf(def, request, { code, backend, config, raw: rawDigests });
  // Every lineage write of the attempt goes through the journal, in order, after this one.
  const stepIdOf = journal.value('start attempt', (db) => lineage.startStepAttempt(db, {
    runId: run.runId, stepName: group, attempt: info.attempt, fingerprint, worker: who.worker, device, computeBackend: backend, codeVersion: version, sourceDigest: code.digest,
  }));
  const base = { step: def.step, variant: request.variant, fingerprint, worker: who.worker, device, backend, codeVersion: version, sourceDigest: code.digest };

  if (!request.noCache) {
    let hit: Awaited<ReturnType<typeof cachedStep>>;
    try {
      hit = await cachedStep(fingerprint);
    } catch (err) {
      // The lookup needs the database and the store; while either is away the attempt fails
      // (and retries) like any other, closed in lineage rather than left running.
      journal.enqueue('finish attempt', async (db) => lineage.finishStep(db, await stepIdOf, { status: 'failed', error: errorText(err) }));
      await flushHeartbeating(journal, () => ctx.heartbeat(), FAILED_ATTEMPT_FLUSH_MS).catch(() => undefined);
      throw toFailure(err, def.step);
    }
    if (hit) {
      const inputs = { ...(await storeSourceFiles(sourceFiles, rawDigests, storeRun)), ...request.inputs };
      const outputs = { ...hit.index.outputs, [hit.indexName]: hit.indexRef };
      journal.enqueue('outputs', async (db) => recordOutputs(db, await stepIdOf, run.runId, def.step, inputs, outputs));
      journal.enqueue('outcome', async (db) => recordOutcome(db, await stepIdOf, run.runId, group, hit.index.outcome));
      for (const e of hit.index.epochs ?? []) journal.enqueue(`epoch ${e.epoch}`, async (db) => recordEpoch(db, await stepIdOf, run.runId, e));
      journal.enqueue('finish attempt', async (db) => lineage.finishStep(db, await stepIdOf, { status: 'completed', cacheHit: true }));
      await flushHeartbeating(journal, () => ctx.heartbeat());
      return { ...base, outputs, metrics: flatMetrics(hit.index.outcome), cacheHit: true, durationMs: Date.now() - started };
    }
  }

  const work = await mkdtemp(path.join(tmpdir(), `assay-${def.step}-`));
  let checkpoints: StepCheckpoints | undefined;
  // Every heartbeat carries the newest checkpoint, so a retry resumes from it whatever
  // progress detail was sent last.
  let lastProgress: StepProgress = { phase: 'starting' };
  const beat = () => ctx.heartbeat({ ...checkpoints?.heartbeatFields, progress: lastProgress });
  try {
    const checkpointer = new StepCheckpoints(await artifactStore(), { run: storeRun, step: def.step, group }, checkpointsKept(request.spec), {
      // with the cache on, another execution of the same fingerprint may have left one to resume from
      fingerprint, shareAcrossExecutions: !request.noCache, workflow: info.workflowExecution,
    });
    checkpoints = checkpointer;
    const inputDirs = await downloadInputs(request.inputs, path.join(work, 'in'));
    const outDir = path.join(work, 'out');
    await mkdir(outDir, { recursive: true });
    const { resumeDir, resumeEpoch } = await checkpointer.restore(info.heartbeatDetails, work);
    const epochs: EpochRecord[] = [];
    const scratchDir = path.join(work, 'scratch');
    await mkdir(scratchDir, { recursive: true });
    const stepCtx: StepContext = {
      request: call, inputs: inputDirs, outDir, scratchDir, backend, resumeDir, resumeEpoch,
      heartbeat: (progress) => { lastProgress = progress; beat(); },
      cancelled: () => ctx.cancellationSignal.aborted,
      checkpoint: (epoch, dir, details) => checkpointer.stored(epoch, dir, details, () => { lastProgress = { ...details, epoch }; beat(); }),
      // The report reads what the earlier steps recorded, so their queued writes land first.
      runRecords: () => runRecordsAfter(journal, run.runId),
      recordEpochMetrics(epoch, metrics, label) {
        const e = { epoch, label: label ?? group, metrics };
        epochs.push(e);
        // Queued, not awaited: training goes on while the database is down.
        journal.enqueue(`epoch ${epoch}`, async (db) => recordEpoch(db, await stepIdOf, run.runId, e));
        return Promise.resolve();
      },
    };
    // Keep the heartbeat alive while a step awaits long async work (worker threads, ONNX
    // Runtime); the SDK throttles what actually reaches the server.
    const keepAlive = setInterval(beat, 2000);
    let outcome: StepOutcome;
    try {
      outcome = await def.run(stepCtx, config);
    } finally {
      clearInterval(keepAlive);
    }
    const inputs = { ...(await storeSourceFiles(sourceFiles, rawDigests, storeRun)), ...request.inputs };
    const files = await uploadFolder(outDir, { run: storeRun, step: def.step, prefix: request.variant ? `${request.variant}-` : '' });
    const outputs = Object.fromEntries(Object.entries(files).map(([file, ref]) => [`${group}${GROUP_SEPARATOR}${file}`, ref]));
    const recorded = recordedOutcome(outcome, files);
    const allOutputs = await publishStepIndex({ runId: run.runId, step: def.step, group }, { outputs, outcome: recorded, epochs });
    journal.enqueue('outputs', async (db) => recordOutputs(db, await stepIdOf, run.runId, def.step, inputs, allOutputs));
    journal.enqueue('outcome', async (db) => recordOutcome(db, await stepIdOf, run.runId, group, recorded));
    journal.enqueue('finish attempt', async (db) => lineage.finishStep(db, await stepIdOf, { status: 'completed', cacheHit: false }));
    // The step is done only once its lineage is written: the cache finds it there.
    await flushHeartbeating(journal, beat);
    return { ...base, outputs: allOutputs, metrics: flatMetrics(recorded), cacheHit: false, durationMs: Date.now() - started };
  } catch (err) {
    const cancelled = ctx.cancellationSignal.aborted;
    // aborted is not always cancelled: a timed-out attempt or a worker shutting down is not
    const stop = cancelled ? attemptStop(ctx.cancellationDetails) : undefined;
    const error = stop && stop.status !== 'cancelled' ? `${stop.why} (${errorText(err)})` : errorText(err);
    journal.enqueue('finish attempt', async (db) => lineage.finishStep(db, await stepIdOf, { status: stop?.status ?? 'failed', error: clipText(error, MAX_MESSAGE_CHARS) }));
    await flushHeartbeating(journal, beat, FAILED_ATTEMPT_FLUSH_MS).catch(() => undefined);
    // A step that stopped because it was cancelled reports a cancellation, not a failure, so
    // the workflow (and lineage) call the run cancelled whichever fine-tune variant was running.
    if (cancelled) throw new CancelledFailure(`${def.step}: ${errorText(err)}`);
    throw toFailure(err, def.step);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
