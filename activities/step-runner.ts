// What every step activity shares, so each step file stays a thin adapter: the step cache,
// downloading inputs, uploading outputs, lineage rows, heartbeats with checkpoint references,
// and mapping errors to retryable or not. A step's own code only sees local folders.
import { Context, activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mkdir, mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StepName, StepRequest, StepResult } from '../shared/pipeline/contract';
import { stepFingerprint } from '../shared/pipeline/fingerprint';
import { InvalidInputError } from '../shared/pipeline/errors';
import * as lineage from '../shared/db/lineage';
import type { ArtifactRef } from '../shared/store/manifest';
import { artifactStore, lineageDb, workerIdentity } from './runtime';
import { computeBackendName } from './compute';

/** Outputs are named `<group>=<file>`; a group becomes one input folder of later steps. */
export const GROUP_SEPARATOR = '=';
const OUTPUTS_INDEX = '_outputs.json';

export interface Checkpoint {
  epoch: number;
  /** the checkpoint index artifact: {epoch, files: {name: ref}} */
  index: ArtifactRef;
}

export interface StepContext {
  request: StepRequest;
  /** input groups as local folders, e.g. inputs.preprocess → folder with train.arrow ... */
  inputs: Record<string, string>;
  /** write output files here; each becomes an artifact `<group>=<file>` */
  outDir: string;
  backend: string;
  /** a local folder holding the newest checkpoint, when a previous attempt left one */
  resumeDir?: string;
  resumeEpoch?: number;
  /** stores a checkpoint folder, then heartbeats {epoch, checkpointUri} */
  checkpoint(epoch: number, dir: string, details?: Record<string, unknown>): Promise<void>;
  heartbeat(details: Record<string, unknown>): void;
  cancelled(): boolean;
  recordEpochMetrics(epoch: number, metrics: Record<string, number>, label?: string): Promise<void>;
}

export interface StepOutcome {
  metrics: Record<string, number>;
  /** per-model labels for final metrics, e.g. {'valued': {...}, 'most-popular': {...}} */
  labelledMetrics?: Record<string, Record<string, number>>;
  valueSummary?: Omit<lineage.ValueSummaryRecord, 'runId' | 'stepId' | 'valuesUri'> & { valuesFile?: string };
}

export interface StepDefinition {
  step: StepName;
  /** bump when the step's outputs would change for the same config and inputs */
  codeVersion: string;
  /** the part of the spec this step reads; it enters the fingerprint */
  config(spec: unknown, request: StepRequest): unknown;
  run(ctx: StepContext): Promise<StepOutcome>;
}

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

async function recordOutputs(stepId: number, runId: string, step: StepName, inputs: Record<string, ArtifactRef>, outputs: Record<string, ArtifactRef>): Promise<void> {
  const { db } = await lineageDb();
  for (const [name, ref] of Object.entries({ ...inputs, ...outputs })) {
    await lineage.recordArtifact(db, { ...ref, kind: name.split(GROUP_SEPARATOR)[0] ?? step, runId, step, name });
  }
  await lineage.linkArtifacts(db, stepId, Object.values(inputs).map((r) => r.uri), Object.values(outputs).map((r) => r.uri));
}

/** A cache hit needs the recorded outputs to still exist in the store with their sizes. */
async function cachedOutputs(fingerprint: string): Promise<Record<string, ArtifactRef> | undefined> {
  const { db } = await lineageDb();
  const found = await lineage.findCompletedStepByFingerprint(db, fingerprint);
  const index = found?.outputs.find((a) => a.name?.endsWith(OUTPUTS_INDEX));
  if (!index) return undefined;
  const store = await artifactStore();
  const ref = { uri: index.uri, sha256: index.sha256, bytes: index.bytes };
  if (!(await store.exists(ref))) return undefined;
  const outputs = JSON.parse((await store.getBuffer(ref)).toString('utf8')) as Record<string, ArtifactRef>;
  for (const r of Object.values(outputs)) if (!(await store.exists(r))) return undefined;
  return { ...outputs, [`${Object.keys(outputs)[0]?.split(GROUP_SEPARATOR)[0]}${GROUP_SEPARATOR}${OUTPUTS_INDEX}`]: ref };
}

/** The newest checkpoint: from the last heartbeat, else from the store's run alias. */
async function newestCheckpoint(run: string, step: string, group: string): Promise<Checkpoint | undefined> {
  const details = activityInfo().heartbeatDetails as { epoch?: number; checkpoint?: ArtifactRef } | undefined;
  if (details?.checkpoint && typeof details.epoch === 'number') return { epoch: details.epoch, index: details.checkpoint };
  const manifest = await (await artifactStore()).resolveAlias(run, step, `${group}-checkpoint-latest.json`).catch(() => undefined);
  if (!manifest) return undefined;
  const index = JSON.parse((await (await artifactStore()).getBuffer(manifest)).toString('utf8')) as { epoch: number };
  return { epoch: index.epoch, index: { uri: manifest.uri, sha256: manifest.sha256, bytes: manifest.bytes } };
}

async function restoreCheckpoint(cp: Checkpoint, dir: string): Promise<void> {
  const store = await artifactStore();
  const index = JSON.parse((await store.getBuffer(cp.index)).toString('utf8')) as { files: Record<string, ArtifactRef> };
  await mkdir(dir, { recursive: true });
  for (const [file, ref] of Object.entries(index.files)) await store.getToFile(ref, path.join(dir, file));
}

function toFailure(err: unknown, step: StepName): unknown {
  if (err instanceof InvalidInputError) {
    return ApplicationFailure.create({ type: 'InvalidInputError', message: `${step}: ${err.message}`, nonRetryable: true, details: [err.location ?? null] });
  }
  const name = err instanceof Error ? err.name : '';
  if (['InvalidArtifactKeyError', 'InvalidArtifactRefError'].includes(name)) {
    return ApplicationFailure.create({ type: name, message: `${step}: ${(err as Error).message}`, nonRetryable: true });
  }
  return err; // infrastructure and corruption errors retry with backoff
}

export async function executeStep(def: StepDefinition, request: StepRequest): Promise<StepResult> {
  const started = Date.now();
  const { run } = request;
  const info = activityInfo();
  const group = groupOf(request, def.step);
  const config = def.config(request.spec, request);
  const fingerprint = stepFingerprint({ step: `${def.step}${request.variant ? `:${request.variant}` : ''}`, codeVersion: def.codeVersion, config, inputs: request.inputs });
  const { db } = await lineageDb();
  const who = workerIdentity();
  const backend = await computeBackendName(def.step);
  const stepId = await lineage.startStepAttempt(db, {
    runId: run.runId, stepName: group, attempt: info.attempt, fingerprint, worker: who.worker, device: who.device, computeBackend: backend,
  });
  const base = { step: def.step, variant: request.variant, fingerprint, worker: who.worker, device: who.device, backend };

  if (!request.noCache) {
    const hit = await cachedOutputs(fingerprint);
    if (hit) {
      await recordOutputs(stepId, run.runId, def.step, request.inputs, hit);
      await lineage.finishStep(db, stepId, { status: 'completed', cacheHit: true });
      return { ...base, outputs: hit, metrics: {}, cacheHit: true, durationMs: Date.now() - started };
    }
  }

  const work = await mkdtemp(path.join(tmpdir(), `assay-${def.step}-`));
  const ctx = Context.current();
  try {
    const inputs = await downloadInputs(request.inputs, path.join(work, 'in'));
    const outDir = path.join(work, 'out');
    await mkdir(outDir, { recursive: true });
    const resume = await newestCheckpoint(aliasRun(run.runId), def.step, group);
    let resumeDir: string | undefined;
    if (resume) {
      resumeDir = path.join(work, 'resume');
      await restoreCheckpoint(resume, resumeDir);
    }
    const stepCtx: StepContext = {
      request, inputs, outDir, backend, resumeDir, resumeEpoch: resume?.epoch,
      heartbeat: (details) => ctx.heartbeat(details),
      cancelled: () => ctx.cancellationSignal.aborted,
      async checkpoint(epoch, dir, details) {
        const files = await uploadFolder(dir, { run: aliasRun(run.runId), step: def.step, prefix: `${group}-checkpoint-${epoch}-` });
        const store = await artifactStore();
        const index = await store.put(Buffer.from(JSON.stringify({ epoch, files })), { run: aliasRun(run.runId), step: def.step, name: `${group}-checkpoint-latest.json`, contentType: 'application/json' });
        ctx.heartbeat({ ...details, epoch, checkpointUri: index.uri, checkpoint: index });
      },
      async recordEpochMetrics(epoch, metrics, label) {
        await lineage.recordMetrics(db, Object.entries(metrics).map(([name, value]) => ({ runId: run.runId, stepId, name, value, epoch, label: label ?? group })));
      },
    };
    const outcome = await def.run(stepCtx);
    const files = await uploadFolder(outDir, { run: aliasRun(run.runId), step: def.step, prefix: request.variant ? `${request.variant}-` : '' });
    const outputs = Object.fromEntries(Object.entries(files).map(([file, ref]) => [`${group}${GROUP_SEPARATOR}${file}`, ref]));
    const store = await artifactStore();
    const indexRef = await store.put(Buffer.from(JSON.stringify(outputs)), { run: aliasRun(run.runId), step: def.step, name: `${group}${OUTPUTS_INDEX}`, contentType: 'application/json' });
    const allOutputs = { ...outputs, [`${group}${GROUP_SEPARATOR}${OUTPUTS_INDEX}`]: indexRef };
    await recordOutputs(stepId, run.runId, def.step, request.inputs, allOutputs);
    const finalMetrics = [
      ...Object.entries(outcome.metrics).map(([name, value]) => ({ runId: run.runId, stepId, name, value, label: group })),
      ...Object.entries(outcome.labelledMetrics ?? {}).flatMap(([label, m]) => Object.entries(m).map(([name, value]) => ({ runId: run.runId, stepId, name, value, label }))),
    ];
    if (finalMetrics.length > 0) await lineage.recordMetrics(db, finalMetrics);
    if (outcome.valueSummary) {
      const { valuesFile, ...summary } = outcome.valueSummary;
      await lineage.recordValueSummary(db, { ...summary, runId: run.runId, stepId, valuesUri: valuesFile ? files[valuesFile]?.uri : undefined });
    }
    await lineage.finishStep(db, stepId, { status: 'completed', cacheHit: false });
    const flat = { ...outcome.metrics, ...Object.fromEntries(Object.entries(outcome.labelledMetrics ?? {}).flatMap(([l, m]) => Object.entries(m).map(([n, v]) => [`${l}.${n}`, v]))) };
    return { ...base, outputs: allOutputs, metrics: flat, cacheHit: false, durationMs: Date.now() - started };
  } catch (err) {
    const cancelled = ctx.cancellationSignal.aborted;
    await lineage.finishStep(db, stepId, { status: cancelled ? 'cancelled' : 'failed', error: err instanceof Error ? err.message : String(err) }).catch(() => undefined);
    throw toFailure(err, def.step);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Small JSON helpers for step code that reads/writes metadata files in its folders. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2) + '\n');
}
export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}
