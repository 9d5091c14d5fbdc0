// The step cache: a step's fingerprint (its code, backend, config slice and input digests), the
// index a completed step publishes last (its outputs and outcome), and finding a completed step
// with the same fingerprint whose outputs are all still in the store.
import * as lineage from '../shared/db/lineage';
import type { StepRequest } from '../shared/pipeline/contract';
import { codeDigest, type CodeDigest } from '../shared/pipeline/code-digest';
import { stepFingerprint } from '../shared/pipeline/fingerprint';
import type { StepDefinition, StepOutcome } from '../shared/pipeline/step';
import type { ArtifactRef } from '../shared/store/manifest';
import { aliasRun, GROUP_SEPARATOR, type RawDigests } from './artifact-io';
import { artifactStore, lineageDb } from './runtime';

const OUTPUTS_INDEX = '_outputs.json';

// Digested once per step module and process: a worker runs the code it loaded, so the digest
// taken when it first runs a step stands for every later attempt of that step there.
const codeDigests = new Map<string, Promise<CodeDigest>>();

export function stepCode(def: StepDefinition): Promise<CodeDigest> {
  let digest = codeDigests.get(def.module);
  if (!digest) {
    digest = codeDigest(def.module).catch((err) => { codeDigests.delete(def.module); throw err; });
    codeDigests.set(def.module, digest);
  }
  return digest;
}

export function fingerprintOf(def: StepDefinition, request: StepRequest, parts: { code: CodeDigest; backend: string; config: unknown; raw: RawDigests }): string {
  return stepFingerprint({
    step: `${def.step}${request.variant ? `:${request.variant}` : ''}`, code: parts.code.digest, backend: parts.backend, config: parts.config, inputs: { ...parts.raw, ...request.inputs },
  });
}

/** A step's outcome as the index keeps it: the value summary names its values file by uri. */
export type RecordedOutcome = Omit<StepOutcome, 'valueSummary'> & { valueSummary?: Omit<NonNullable<StepOutcome['valueSummary']>, 'valuesFile'> & { valuesUri?: string } };

export interface EpochRecord { epoch: number; label: string; metrics: Record<string, number> }

/** What a completed step publishes last: its outputs and its outcome, so a cache hit can replay both. */
export interface StepIndex {
  outputs: Record<string, ArtifactRef>;
  /** per-epoch metrics (training curves), replayed into a run that hits the cache */
  epochs?: EpochRecord[];
  outcome: RecordedOutcome;
}

/** A cache hit needs the recorded outputs to still exist in the store with their sizes. */
export async function cachedStep(fingerprint: string): Promise<{ index: StepIndex; indexRef: ArtifactRef; indexName: string } | undefined> {
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

/** The outcome as the index records it, the values file of a value summary named by its stored uri. */
export function recordedOutcome(outcome: StepOutcome, files: Record<string, ArtifactRef>): RecordedOutcome {
  const { valueSummary, ...rest } = outcome;
  const recorded: RecordedOutcome = { ...rest };
  if (valueSummary) {
    const { valuesFile, ...summary } = valueSummary;
    recorded.valueSummary = { ...summary, valuesUri: valuesFile ? files[valuesFile]?.uri : undefined };
  }
  return recorded;
}

/** Stores the step's index; returns every output with the index among them. */
export async function publishStepIndex(place: { runId: string; step: string; group: string }, index: StepIndex): Promise<Record<string, ArtifactRef>> {
  const store = await artifactStore();
  const indexRef = await store.put(Buffer.from(JSON.stringify(index)), { run: aliasRun(place.runId), step: place.step, name: `${place.group}${OUTPUTS_INDEX}`, contentType: 'application/json' });
  return { ...index.outputs, [`${place.group}${GROUP_SEPARATOR}${OUTPUTS_INDEX}`]: indexRef };
}

/** The step's final metrics, labelled ones as `<label>.<name>`. */
export function flatMetrics(outcome: RecordedOutcome): Record<string, number> {
  return { ...outcome.metrics, ...Object.fromEntries(Object.entries(outcome.labelledMetrics ?? {}).flatMap(([l, m]) => Object.entries(m).map(([n, v]) => [`${l}.${n}`, v]))) };
}
