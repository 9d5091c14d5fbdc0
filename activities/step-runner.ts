// What every step activity shares, so each step file stays a thin adapter: the step cache,
// downloading inputs, uploading outputs, lineage rows, heartbeats with checkpoint references,
// and mapping errors to retryable or not. A step's own code only sees local folders.
import { Context, activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ACCELERATED_STEPS, type StepName, type StepRequest, type StepResult } from '../shared/pipeline/contract';
import type { StepContext, StepDefinition, StepOutcome, StepProgress } from '../shared/pipeline/step';
import { stepFingerprint } from '../shared/pipeline/fingerprint';
import { codeDigest, type CodeDigest } from '../shared/pipeline/code-digest';
import { codeVersion } from '../shared/pipeline/code-version';
import { InvalidInputError } from '../shared/pipeline/errors';
import { clipText, MAX_MESSAGE_CHARS } from '../shared/data/bounded-text';
import * as lineage from '../shared/db/lineage';
import type { Database } from '../shared/db/open-database';
import { RetrySpecSchema } from '../shared/pipeline/spec';
import type { ArtifactRef } from '../shared/store/manifest';
import { digestFile } from '../shared/store/digest-stream';
import { segmentFor } from '../shared/store/keys';
import { artifactStore, lineageDb, signalEpoch, workerIdentity } from './runtime';
import { computeBackend, deviceUsed } from './compute';
import { LineageJournal } from './lineage-journal';
import { attemptStop } from './attempt-stop';
import { checkpointOfHeartbeat, fingerprintRun, latestAliasName, newerCheckpoint, restoreCheckpoint, storedCheckpoint } from './checkpoints';

/** Outputs are named `<group>=<file>`; a group becomes one input folder of later steps. */
export const GROUP_SEPARATOR = '=';
const OUTPUTS_INDEX = '_outputs.json';

function groupOf(request: StepRequest, step: StepName): string {
  return request.variant ? `${request.variant}-${step}` : step;
}

function aliasRun(runId: string): string {
  return runId.replaceAll('/', '+');
}

async function downloadInputs(inputs: Record<string, ArtifactRef>, root: string): Promise<Record<string, string>> {
  const store = await artifactStore();
  const folders: Record<string, string> = {};
  await Promise.all(Object.entries(inputs).map(async ([name, ref]) => {
    const [group, file] = name.includes(GROUP_SEPARATOR) ? name.split(GROUP_SEPARATOR, 2) as [string, string] : ['inputs', name];
    const dir = path.join(root, group);
    await mkdir(dir, { recursive: true });
    folders[group] = dir;
    await store.getToFile(ref, path.join(dir, file));
  }));
  return folders;
}

async function uploadFolder(dir: string, alias: { run: string; step: string; prefix: string }): Promise<Record<string, ArtifactRef>> {
  const store = await artifactStore();
  const out: Record<string, ArtifactRef> = {};
  for (const file of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) {
    out[file] = await store.putFile(path.join(dir, file), { run: alias.run, step: alias.step, name: `${alias.prefix}${file}` });
  }
  return out;
}

async function recordOutputs(db: Database, stepId: number, runId: string, step: StepName, inputs: Record<string, ArtifactRef>, outputs: Record<string, ArtifactRef>): Promise<void> {
  for (const [name, ref] of Object.entries({ ...inputs, ...outputs })) {
    await lineage.recordArtifact(db, { ...ref, kind: name.split(GROUP_SEPARATOR)[0] ?? step, runId, step, name });
  }
  await lineage.linkArtifacts(db, stepId, Object.values(inputs).map((r) => r.uri), Object.values(outputs).map((r) => r.uri));
}

/**
 * Raw source files become artifacts named `raw=<role>` (events, items, …), never by file name,
 * so two inputs called data.csv in different folders are two artifacts; content addressing
 * dedupes repeats. They are digested first (the fingerprint needs the digests) and stored only
 * once the step has read them without an input error, so a file the spec should not have
 * named never reaches the store.
 */
async function digestSourceFiles(files: Record<string, string>): Promise<Record<string, { sha256: string; bytes: number }>> {
  const digests: Record<string, { sha256: string; bytes: number }> = {};
  for (const [role, file] of Object.entries(files)) digests[`raw${GROUP_SEPARATOR}${role}`] = await digestFile(file);
  return digests;
}

async function storeSourceFiles(files: Record<string, string>, digests: Record<string, { sha256: string }>, run: string): Promise<Record<string, ArtifactRef>> {
  const store = await artifactStore();
  const refs: Record<string, ArtifactRef> = {};
  for (const [role, file] of Object.entries(files)) {
    const name = `raw${GROUP_SEPARATOR}${role}`;
    const ref = await store.putFile(file, { run, step: 'raw', name: segmentFor(role) });
    // the step read (and the fingerprint covers) the bytes digested before it ran
    if (ref.sha256 !== digests[name]?.sha256) throw new Error(`${file} changed while the step ran (sha256 ${digests[name]?.sha256} before, ${ref.sha256} after); run again`);
    refs[name] = ref;
  }
  return refs;
}

// Digested once per step module and process: a worker runs the code it loaded, so the digest
// taken when it first runs a step stands for every later attempt of that step there.
const codeDigests = new Map<string, Promise<CodeDigest>>();

function stepCode(def: StepDefinition): Promise<CodeDigest> {
  let digest = codeDigests.get(def.module);
  if (!digest) {
    digest = codeDigest(def.module).catch((err) => { codeDigests.delete(def.module); throw err; });
    codeDigests.set(def.module, digest);
  }
  return digest;
}

/** What a completed step publishes last: its outputs and its outcome, so a cache hit can replay both. */
interface StepIndex {
  outputs: Record<string, ArtifactRef>;
  /** per-epoch metrics (training curves), replayed into a run that hits the cache */
  epochs?: Array<{ epoch: number; label: string; metrics: Record<string, number> }>;
  outcome: Omit<StepOutcome, 'valueSummary'> & { valueSummary?: Omit<NonNullable<StepOutcome['valueSummary']>, 'valuesFile'> & { valuesUri?: string } };
}

/** A cache hit needs the recorded outputs to still exist in the store with their sizes. */
async function cachedStep(fingerprint: string): Promise<{ index: StepIndex; indexRef: ArtifactRef; indexName: string } | undefined> {
  const { db } = await lineageDb();
  const found = await lineage.findCompletedStepByFingerprint(db, fingerprint);
  const row = found?.outputs.find((a) => a.name?.endsWith(OUTPUTS_INDEX));
  if (!row?.name) return undefined;
  const store = await artifactStore();
  const indexRef = { uri: row.uri, sha256: row.sha256, bytes: row.bytes };
  if (!(await store.exists(indexRef))) return undefined;
  const index = JSON.parse((await store.getBuffer(indexRef)).toString('utf8')) as StepIndex;
  for (const r of Object.values(index.outputs)) if (!(await store.exists(r))) return undefined;
  return { index, indexRef, indexName: row.name };
}

function flatMetrics(outcome: StepIndex['outcome']): Record<string, number> {
  return { ...outcome.metrics, ...Object.fromEntries(Object.entries(outcome.labelledMetrics ?? {}).flatMap(([l, m]) => Object.entries(m).map(([n, v]) => [`${l}.${n}`, v]))) };
}

async function recordEpoch(db: Database, stepId: number, runId: string, e: NonNullable<StepIndex['epochs']>[number]): Promise<void> {
  await lineage.recordMetrics(db, Object.entries(e.metrics).filter(([, v]) => Number.isFinite(v)).map(([name, value]) => ({ runId, stepId, name, value, epoch: e.epoch, label: e.label })));
}

/** Final metrics and the value summary of a step attempt, fresh or replayed from the cache. */
async function recordOutcome(db: Database, stepId: number, runId: string, group: string, outcome: StepIndex['outcome']): Promise<void> {
  const rows = [
    ...Object.entries(outcome.metrics).map(([name, value]) => ({ runId, stepId, name, value, label: group })),
    ...Object.entries(outcome.labelledMetrics ?? {}).flatMap(([label, m]) => Object.entries(m).map(([name, value]) => ({ runId, stepId, name, value, label }))),
  ].filter((r) => Number.isFinite(r.value));
  if (rows.length > 0) await lineage.recordMetrics(db, rows);
  if (outcome.valueSummary) await lineage.recordValueSummary(db, { ...outcome.valueSummary, runId, stepId });
}

/** An error's message as lineage records it: bounded, whatever the error carried. */
function errorText(err: unknown): string {
  return clipText(err instanceof Error ? err.message : String(err), MAX_MESSAGE_CHARS);
}

function toFailure(err: unknown, step: StepName): unknown {
  if (err instanceof InvalidInputError) {
    return ApplicationFailure.create({ type: 'InvalidInputError', message: `${step}: ${err.message}`, nonRetryable: true, details: [err.location ?? null] });
  }
  const name = err instanceof Error ? err.name : '';
  if (['InvalidArtifactKeyError', 'InvalidArtifactRefError'].includes(name)) {
    return ApplicationFailure.create({ type: name, message: `${step}: ${(err as Error).message}`, nonRetryable: true });
  }
  // Infrastructure and corruption errors retry with backoff. Their message and stack travel to
  // Temporal, which refuses a failure over its payload limit, so both are bounded first.
  if (err instanceof Error) {
    err.message = errorText(err);
    if (err.stack) err.stack = clipText(err.stack, 2 * MAX_MESSAGE_CHARS);
  }
  return err;
}

/** The lineage journal of one attempt: writes wait out a database outage for the spec's retry budget. */
function attemptJournal(spec: unknown, step: StepName): LineageJournal {
  const retry = RetrySpecSchema.parse((spec as { retry?: unknown } | null)?.retry ?? {});
  return new LineageJournal({
    open: async () => (await lineageDb()).db,
    initialIntervalMs: retry.initialIntervalSeconds * 1000,
    maximumIntervalMs: retry.maximumIntervalSeconds * 1000,
    budgetMs: retry.budgetSeconds * 1000,
    onUnavailable: (err) => log.warn(`${step}: lineage database unavailable, queuing its records until it is back`, { error: err instanceof Error ? err.message : String(err) }),
  });
}

/** Waits for the journal while heartbeating, so a step waiting for Postgres is not taken for a lost worker. */
async function flushHeartbeating(journal: LineageJournal, heartbeat: () => void, atMostMs = Number.POSITIVE_INFINITY): Promise<void> {
  const beat = setInterval(heartbeat, 2000);
  try {
    const flushed = journal.flush();
    if (!Number.isFinite(atMostMs)) return await flushed;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([flushed, new Promise<void>((resolve) => { timer = setTimeout(resolve, atMostMs); })]).finally(() => clearTimeout(timer));
  } finally {
    clearInterval(beat);
  }
}

/** How long a failing attempt waits for its lineage; the writes still queued go on in this worker. */
const FAILED_ATTEMPT_FLUSH_MS = 10_000;

export async function executeStep(def: StepDefinition, request: StepRequest): Promise<StepResult> {
  const started = Date.now();
  const { run } = request;
  const info = activityInfo();
  const ctx = Context.current();
  const group = groupOf(request, def.step);
  const config = def.config(request.spec, request);
  const journal = attemptJournal(request.spec, def.step);
  const who = workerIdentity(ACCELERATED_STEPS.has(def.step) ? 'accelerator' : 'cpu');
  const compute = await computeBackend(def.step);
  const backend = compute.name;
  const device = deviceUsed(compute, who.device);
  const version = codeVersion();
  let sourceFiles: Record<string, string>;
  let rawDigests: Record<string, { sha256: string; bytes: number }>;
  let code: CodeDigest;
  try {
    code = await stepCode(def);
    sourceFiles = def.sourceFiles ? await def.sourceFiles(request.spec) : {};
    rawDigests = await digestSourceFiles(sourceFiles);
  } catch (err) {
    // No fingerprint without the code's and the source's digests; the attempt is still recorded, with why.
    const failedId = journal.value('start attempt', (db) => lineage.startStepAttempt(db, { runId: run.runId, stepName: group, attempt: info.attempt, fingerprint: 'unavailable', worker: who.worker, device, computeBackend: backend, codeVersion: version }));
    journal.enqueue('finish attempt', async (db) => lineage.finishStep(db, await failedId, { status: 'failed', error: errorText(err) }));
    await flushHeartbeating(journal, () => ctx.heartbeat(), FAILED_ATTEMPT_FLUSH_MS).catch(() => undefined);
    throw toFailure(err, def.step);
  }
  const fingerprint = stepFingerprint({ step: `${def.step}${request.variant ? `:${request.variant}` : ''}`, code: code.digest, backend, config, inputs: { ...rawDigests, ...request.inputs } });
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
      const inputs = { ...(await storeSourceFiles(sourceFiles, rawDigests, aliasRun(run.runId))), ...request.inputs };
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
  // Every heartbeat carries the newest checkpoint, so a retry resumes from it whatever
  // progress detail was sent last.
  let lastProgress: StepProgress = { phase: 'starting' };
  let lastCheckpoint: Record<string, unknown> = {};
  const beat = () => ctx.heartbeat({ ...lastCheckpoint, progress: lastProgress });
  try {
    const inputDirs = await downloadInputs(request.inputs, path.join(work, 'in'));
    const outDir = path.join(work, 'out');
    await mkdir(outDir, { recursive: true });
    const store = await artifactStore();
    // This execution's own checkpoint, else (with the cache on) one another execution of the same
    // fingerprint stored: a resumed or re-run partition goes on where the failed one stopped.
    const ofThisRun = await storedCheckpoint(store, aliasRun(run.runId), def.step, group);
    const ofFingerprint = request.noCache ? undefined : await storedCheckpoint(store, fingerprintRun(fingerprint), def.step, group);
    const resume = newerCheckpoint(checkpointOfHeartbeat(info.heartbeatDetails), newerCheckpoint(ofThisRun, ofFingerprint));
    let resumeDir: string | undefined;
    if (resume) {
      resumeDir = path.join(work, 'resume');
      await restoreCheckpoint(store, resume, resumeDir);
      lastCheckpoint = { epoch: resume.epoch, checkpoint: resume.index, checkpointUri: resume.index.uri };
    }
    const epochs: NonNullable<StepIndex['epochs']> = [];
    const scratchDir = path.join(work, 'scratch');
    await mkdir(scratchDir, { recursive: true });
    const stepCtx: StepContext = {
      request, inputs: inputDirs, outDir, scratchDir, backend, resumeDir, resumeEpoch: resume?.epoch,
      heartbeat: (progress) => { lastProgress = progress; beat(); },
      cancelled: () => ctx.cancellationSignal.aborted,
      async checkpoint(epoch, dir, details) {
        const files = await uploadFolder(dir, { run: aliasRun(run.runId), step: def.step, prefix: `${group}-checkpoint-${epoch}-` });
        const indexBody = Buffer.from(JSON.stringify({ epoch, files }));
        const index = await store.put(indexBody, { run: aliasRun(run.runId), step: def.step, name: latestAliasName(group), contentType: 'application/json' });
        await store.put(indexBody, { run: fingerprintRun(fingerprint), step: def.step, name: latestAliasName(group), contentType: 'application/json' });
        lastCheckpoint = { epoch, checkpointUri: index.uri, checkpoint: index };
        lastProgress = { ...details, epoch };
        beat();
        const wf = info.workflowExecution;
        // Not awaited: while the Temporal server is away the signal waits on it, and training must not.
        if (wf) void signalEpoch(wf.workflowId, wf.runId, { step: group, epoch, epochs: details?.epochs, loss: details?.loss });
      },
      async runRecords() {
        // The report reads what the earlier steps recorded, so their queued writes land first.
        await journal.flush();
        const { db } = await lineageDb();
        const [runRow, steps, metrics, values] = await Promise.all([
          lineage.getRun(db, run.runId), lineage.stepsOfRun(db, run.runId), lineage.metricsOfRun(db, run.runId), lineage.valueSummariesOfRun(db, run.runId),
        ]);
        return { run: runRow, steps, metrics, values };
      },
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
      outcome = await def.run(stepCtx);
    } finally {
      clearInterval(keepAlive);
    }
    const inputs = { ...(await storeSourceFiles(sourceFiles, rawDigests, aliasRun(run.runId))), ...request.inputs };
    const files = await uploadFolder(outDir, { run: aliasRun(run.runId), step: def.step, prefix: request.variant ? `${request.variant}-` : '' });
    const outputs = Object.fromEntries(Object.entries(files).map(([file, ref]) => [`${group}${GROUP_SEPARATOR}${file}`, ref]));
    const { valueSummary, ...rest } = outcome;
    const recorded: StepIndex['outcome'] = { ...rest };
    if (valueSummary) {
      const { valuesFile, ...summary } = valueSummary;
      recorded.valueSummary = { ...summary, valuesUri: valuesFile ? files[valuesFile]?.uri : undefined };
    }
    const indexName = `${group}${GROUP_SEPARATOR}${OUTPUTS_INDEX}`;
    const indexRef = await store.put(Buffer.from(JSON.stringify({ outputs, outcome: recorded, epochs } satisfies StepIndex)), { run: aliasRun(run.runId), step: def.step, name: `${group}${OUTPUTS_INDEX}`, contentType: 'application/json' });
    const allOutputs = { ...outputs, [indexName]: indexRef };
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
