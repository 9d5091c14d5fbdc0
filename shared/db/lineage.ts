// The lineage repository the activities use: runs, step attempts, artifacts, the edges between
// them, metrics and value summaries. Every write is safe to repeat, because Temporal retries
// activities and a retry must not duplicate rows. Inputs are checked with zod so a bad record
// names its field instead of surfacing as a constraint violation.
import { and, asc, desc, eq, exists, gt, inArray, isNull, like, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from './open-database';
import {
  artifacts,
  edges,
  metrics,
  RUN_STATUSES,
  runs,
  STEP_STATUSES,
  steps,
  valueSummaries,
  type ArtifactRow,
  type MetricRow,
  type RunRow,
  type RunStatus,
  type StepRow,
  type ValueSummaryRow,
} from './schema';
import { issueLines } from '../config/zod-issues';

export { downstream, upstream, type LineageGraph, type UpstreamStart } from './lineage-walks';

const nonEmpty = z.string().min(1);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a sha256 digest)');

export const NewRunSchema = z.object({
  id: nonEmpty,
  dataset: nonEmpty,
  partition: nonEmpty,
  spec: z.record(z.string(), z.unknown()),
  codeVersion: nonEmpty,
  status: z.enum(RUN_STATUSES).default('queued'),
});
export type NewRun = z.input<typeof NewRunSchema>;

export const StepAttemptSchema = z.object({
  runId: nonEmpty,
  stepName: nonEmpty,
  /** Temporal's activityInfo().attempt, 1-based */
  attempt: z.number().int().min(1),
  fingerprint: nonEmpty,
  worker: z.string().optional(),
  device: z.string().optional(),
  computeBackend: z.string().optional(),
  /** the code version of the worker running the attempt (not the client's) */
  codeVersion: z.string().optional(),
  /** the digest of the step's sources, kernels and lockfile on that worker */
  sourceDigest: sha256Hex.optional(),
  startedAt: z.date().optional(),
});
export type StepAttempt = z.input<typeof StepAttemptSchema>;

export const StepOutcomeSchema = z.object({
  status: z.enum(STEP_STATUSES).exclude(['running']),
  cacheHit: z.boolean().default(false),
  finishedAt: z.date().optional(),
  error: z.string().optional(),
});
export type StepOutcome = z.input<typeof StepOutcomeSchema>;

export const ArtifactRecordSchema = z.object({
  uri: nonEmpty,
  sha256: sha256Hex,
  bytes: z.number().int().min(0),
  kind: nonEmpty,
  runId: nonEmpty.optional(),
  step: nonEmpty.optional(),
  name: nonEmpty.optional(),
});
export type ArtifactRecord = z.input<typeof ArtifactRecordSchema>;

export const MetricRecordSchema = z.object({
  runId: nonEmpty,
  stepId: z.number().int().positive().optional(),
  name: nonEmpty,
  value: z.number(),
  epoch: z.number().int().min(0).optional(),
  /** which model or split: 'valued' | 'control' | 'most-popular' | ... */
  label: nonEmpty.optional(),
});
export type MetricRecord = z.input<typeof MetricRecordSchema>;

export const ValueSummaryRecordSchema = z.object({
  runId: nonEmpty,
  stepId: z.number().int().positive().optional(),
  method: nonEmpty,
  unit: z.enum(['interaction', 'session', 'user']),
  count: z.number().int().min(0),
  mean: z.number(),
  std: z.number().min(0),
  min: z.number(),
  max: z.number(),
  quantiles: z.record(z.string(), z.number()).default({}),
  keptCount: z.number().int().min(0),
  threshold: z.number().optional(),
  /** uri of the artifact holding every value; it must have been recorded first */
  valuesUri: nonEmpty.optional(),
});
export type ValueSummaryRecord = z.input<typeof ValueSummaryRecordSchema>;

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = issueLines(parsed.error, { under: what, indent: '  ' });
  throw new Error(`Invalid ${what}:\n${lines.join('\n')}`);
}

// ---- runs ----------------------------------------------------------------------------------

/** Inserts a new run; fails if the id is taken (use upsertRun where a retry may repeat it). */
export async function createRun(db: Database, run: NewRun): Promise<RunRow> {
  const row = parse(NewRunSchema, run, 'run');
  const [created] = await db.insert(runs).values(row).onConflictDoNothing({ target: runs.id }).returning();
  if (!created) throw new Error(`Run ${row.id} already exists; use upsertRun to record it again idempotently.`);
  return created;
}

/** Inserts the run or refreshes its description; an existing status is kept. */
export async function upsertRun(db: Database, run: NewRun): Promise<RunRow> {
  const row = parse(NewRunSchema, run, 'run');
  const [saved] = await db
    .insert(runs)
    .values(row)
    .onConflictDoUpdate({
      target: runs.id,
      set: { dataset: row.dataset, partition: row.partition, spec: row.spec, codeVersion: row.codeVersion },
    })
    .returning();
  return saved!;
}

export async function getRun(db: Database, runId: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  return row;
}

/**
 * Resolves what a user types to a run: an exact run id, or a workflow id such as
 * `assay/ml-100k/full`, meaning that workflow's newest execution.
 */
export async function findRun(db: Database, idOrWorkflowId: string): Promise<RunRow | undefined> {
  const exact = await getRun(db, idOrWorkflowId);
  if (exact) return exact;
  const escaped = idOrWorkflowId.replace(/[\\%_]/g, (c) => `\\${c}`);
  const [newest] = await db.select().from(runs).where(like(runs.id, `${escaped}/%`)).orderBy(desc(runs.createdAt)).limit(1);
  return newest;
}

const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** Moves a run to `status`, stamping the start (first time it runs) and the finish (terminal states). */
export async function setRunStatus(
  db: Database,
  runId: string,
  status: RunStatus,
  options: { error?: string; at?: Date } = {},
): Promise<RunRow> {
  const at = options.at ?? new Date();
  const terminal = TERMINAL_RUN_STATUSES.includes(status);
  const [row] = await db
    .update(runs)
    .set({
      status,
      startedAt: status === 'running' ? sql`coalesce(${runs.startedAt}, ${at.toISOString()}::timestamptz)` : undefined,
      finishedAt: terminal ? at : null,
      error: status === 'failed' ? (options.error ?? null) : null,
    })
    .where(eq(runs.id, runId))
    .returning();
  if (!row) throw new Error(`setRunStatus: no run with id ${runId}; record it with upsertRun first.`);
  return row;
}

// ---- steps ---------------------------------------------------------------------------------

/**
 * Records that an attempt of a step started and returns its step id. Calling it again for the
 * same (run, step, attempt) returns the same id, so a repeated call never adds a row.
 *
 * An earlier attempt of the same step still marked `running` can no longer report: Temporal
 * only starts a later attempt once the earlier one failed or timed out (a killed worker, a
 * missed heartbeat). It is closed as `lost`, so a finished run has no attempt running forever.
 */
export async function startStepAttempt(db: Database, attempt: StepAttempt): Promise<number> {
  const row = parse(StepAttemptSchema, attempt, 'step attempt');
  await closeLostAttempts(db, row.runId, row.stepName, row.attempt);
  const [saved] = await db
    .insert(steps)
    .values({ ...row, status: 'running' })
    .onConflictDoUpdate({
      target: [steps.runId, steps.stepName, steps.attempt],
      set: {
        fingerprint: row.fingerprint,
        worker: row.worker ?? null,
        device: row.device ?? null,
        computeBackend: row.computeBackend ?? null,
        codeVersion: row.codeVersion ?? null,
        sourceDigest: row.sourceDigest ?? null,
      },
    })
    .returning({ id: steps.id });
  return saved!.id;
}

async function closeLostAttempts(db: Database, runId: string, stepName: string, before: number): Promise<void> {
  const now = new Date();
  const earlier = (status: 'running' | 'completed') => and(eq(steps.runId, runId), eq(steps.stepName, stepName), eq(steps.status, status), lt(steps.attempt, before));
  await db
    .update(steps)
    .set({
      status: 'lost',
      finishedAt: now,
      durationMs: sql`greatest(0, round(extract(epoch from (${now.toISOString()}::timestamptz - ${steps.startedAt})) * 1000))::integer`,
      error: `no result: attempt ${before} of this step started, so this attempt's worker was lost or timed out`,
    })
    .where(earlier('running'));
  // A recorded completion that Temporal never received (the server was away, or had already
  // timed the attempt out): the later attempt's result is the one the run uses.
  await db.update(steps).set({ status: 'lost', error: supersededNote(before) }).where(earlier('completed'));
}

const supersededNote = (later: number): string => `finished, but its result never reached Temporal: attempt ${later} of this step started, and the run uses that one's`;

/**
 * When a run ends, an attempt still marked `running` can no longer report (its worker went away
 * and no later attempt came to close it): it is closed as `lost`, so no finished run shows a
 * step running forever. A late report from such a worker still overwrites it with its outcome.
 */
export async function closeRunningAttempts(db: Database, runId: string, runStatus: RunStatus): Promise<number> {
  const now = new Date();
  const closed = await db
    .update(steps)
    .set({
      status: 'lost',
      finishedAt: now,
      durationMs: sql`greatest(0, round(extract(epoch from (${now.toISOString()}::timestamptz - ${steps.startedAt})) * 1000))::integer`,
      error: `no result: the run ended (${runStatus}) while this attempt was still marked running, so its worker was lost`,
    })
    .where(and(eq(steps.runId, runId), eq(steps.status, 'running')))
    .returning({ id: steps.id });
  return closed.length;
}

/** Closes a step attempt; the duration is measured by the database from its recorded start. */
export async function finishStep(db: Database, stepId: number, outcome: StepOutcome): Promise<StepRow> {
  const row = parse(StepOutcomeSchema, outcome, 'step outcome');
  const finishedAt = row.finishedAt ?? new Date();
  const [later] = row.status === 'completed' ? await laterAttempts(db, stepId) : [];
  const [saved] = await db
    .update(steps)
    .set({
      ...(later ? { status: 'lost' as const, error: supersededNote(later.attempt) } : { status: row.status, error: row.error ?? null }),
      cacheHit: row.cacheHit,
      finishedAt,
      durationMs: sql`greatest(0, round(extract(epoch from (${finishedAt.toISOString()}::timestamptz - ${steps.startedAt})) * 1000))::integer`,
    })
    .where(eq(steps.id, stepId))
    .returning();
  if (!saved) throw new Error(`finishStep: no step attempt with id ${stepId}; it must come from startStepAttempt.`);
  return saved;
}

/** Attempts of the same run and step that started after attempt `stepId` (a late completion does not count). */
async function laterAttempts(db: Database, stepId: number): Promise<{ attempt: number }[]> {
  const [own] = await db.select({ runId: steps.runId, stepName: steps.stepName, attempt: steps.attempt }).from(steps).where(eq(steps.id, stepId));
  if (!own) return [];
  return db.select({ attempt: steps.attempt }).from(steps)
    .where(and(eq(steps.runId, own.runId), eq(steps.stepName, own.stepName), gt(steps.attempt, own.attempt)))
    .orderBy(desc(steps.attempt)).limit(1);
}

export async function stepsOfRun(db: Database, runId: string): Promise<StepRow[]> {
  return db.select().from(steps).where(eq(steps.runId, runId)).orderBy(asc(steps.startedAt), asc(steps.id));
}

/**
 * The step cache lookup: the newest completed attempt with this fingerprint that recorded
 * outputs, with those outputs. The caller still checks that the artifacts exist in the store.
 */
export async function findCompletedStepByFingerprint(
  db: Database,
  fingerprint: string,
): Promise<{ step: StepRow; outputs: ArtifactRow[] } | undefined> {
  const hasOutputs = exists(
    db
      .select({ one: sql`1` })
      .from(edges)
      .where(and(eq(edges.stepId, steps.id), eq(edges.direction, 'output'))),
  );
  const [step] = await db
    .select()
    .from(steps)
    .where(and(eq(steps.fingerprint, fingerprint), eq(steps.status, 'completed'), hasOutputs))
    .orderBy(desc(steps.finishedAt), desc(steps.id))
    .limit(1);
  if (!step) return undefined;
  const outputs = await db
    .select({ artifact: artifacts })
    .from(edges)
    .innerJoin(artifacts, eq(artifacts.id, edges.artifactId))
    .where(and(eq(edges.stepId, step.id), eq(edges.direction, 'output')))
    .orderBy(asc(artifacts.id));
  return { step, outputs: outputs.map((o) => o.artifact) };
}

// ---- artifacts and edges -------------------------------------------------------------------

/**
 * Records an artifact once per uri. Recording the same uri again returns the existing row;
 * recording it with a different digest is refused, because edges already point at that content.
 */
export async function recordArtifact(db: Database, artifact: ArtifactRecord): Promise<ArtifactRow> {
  const row = parse(ArtifactRecordSchema, artifact, 'artifact');
  const [created] = await db.insert(artifacts).values(row).onConflictDoNothing({ target: artifacts.uri }).returning();
  if (created) return created;
  const existing = await artifactByUri(db, row.uri);
  if (!existing) throw new Error(`recordArtifact: ${row.uri} conflicted but cannot be read back; retry the call.`);
  if (existing.sha256 !== row.sha256) {
    throw new Error(
      `Artifact ${row.uri} is already recorded with sha256 ${existing.sha256}, not ${row.sha256}. ` +
        'Recorded artifacts are immutable: write changed content under a new (content-addressed) uri.',
    );
  }
  return existing;
}

export async function artifactByUri(db: Database, uri: string): Promise<ArtifactRow | undefined> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.uri, uri));
  return row;
}

/** Resolves uris to artifact ids, naming every uri that was never recorded. */
async function artifactIdsByUri(db: Database, uris: readonly string[], caller: string): Promise<Map<string, number>> {
  const unique = [...new Set(uris)];
  if (unique.length === 0) return new Map();
  const rows = await db.select({ id: artifacts.id, uri: artifacts.uri }).from(artifacts).where(inArray(artifacts.uri, unique));
  const ids = new Map(rows.map((r) => [r.uri, r.id]));
  const missing = unique.filter((u) => !ids.has(u));
  if (missing.length > 0) {
    throw new Error(`${caller}: no artifact recorded for ${missing.join(', ')}; call recordArtifact for each first.`);
  }
  return ids;
}

/**
 * Links a step attempt to the artifacts it read and wrote. Repeating the call (a retried
 * activity re-sending its lineage) adds nothing: the edge key is (step, artifact, direction).
 */
export async function linkArtifacts(
  db: Database,
  stepId: number,
  inputs: readonly string[],
  outputs: readonly string[],
): Promise<void> {
  const ids = await artifactIdsByUri(db, [...inputs, ...outputs], `linkArtifacts(step ${stepId})`);
  const rows = [
    ...inputs.map((uri) => ({ stepId, artifactId: ids.get(uri)!, direction: 'input' as const })),
    ...outputs.map((uri) => ({ stepId, artifactId: ids.get(uri)!, direction: 'output' as const })),
  ];
  if (rows.length === 0) return;
  await db.insert(edges).values(rows).onConflictDoNothing();
}

// ---- metrics and value summaries -----------------------------------------------------------

export async function recordMetric(db: Database, metric: MetricRecord): Promise<void> {
  await recordMetrics(db, [metric]);
}

/**
 * Records metrics in one statement. A metric is identified by (run, step, name, epoch, label);
 * recording it again overwrites its value, so a retried report leaves one row per metric.
 */
export async function recordMetrics(db: Database, records: readonly MetricRecord[]): Promise<void> {
  const byIdentity = new Map<string, z.output<typeof MetricRecordSchema>>();
  records.forEach((record, i) => {
    const row = parse(MetricRecordSchema, record, `metrics[${i}]`);
    // one statement may not update the same row twice, so the last duplicate wins here
    byIdentity.set(JSON.stringify([row.runId, row.stepId ?? null, row.name, row.epoch ?? null, row.label ?? null]), row);
  });
  if (byIdentity.size === 0) return;
  await db
    .insert(metrics)
    .values([...byIdentity.values()])
    .onConflictDoUpdate({
      target: [metrics.runId, metrics.stepId, metrics.name, metrics.epoch, metrics.label],
      set: { value: sql`excluded.value`, recordedAt: sql`now()` },
    });
}

export async function metricsOfRun(
  db: Database,
  runId: string,
  filter: { name?: string; label?: string; finalOnly?: boolean } = {},
): Promise<MetricRow[]> {
  return db
    .select()
    .from(metrics)
    .where(
      and(
        eq(metrics.runId, runId),
        filter.name === undefined ? undefined : eq(metrics.name, filter.name),
        filter.label === undefined ? undefined : eq(metrics.label, filter.label),
        filter.finalOnly ? isNull(metrics.epoch) : undefined,
      ),
    )
    .orderBy(asc(metrics.name), asc(metrics.label), asc(metrics.epoch), asc(metrics.id));
}

/** Records (or replaces) the value summary of one method and unit in a run. */
export async function recordValueSummary(db: Database, summary: ValueSummaryRecord): Promise<ValueSummaryRow> {
  const { valuesUri, ...row } = parse(ValueSummaryRecordSchema, summary, 'value summary');
  const valuesArtifactId = valuesUri
    ? (await artifactIdsByUri(db, [valuesUri], 'recordValueSummary')).get(valuesUri)!
    : null;
  const values = { ...row, stepId: row.stepId ?? null, threshold: row.threshold ?? null, valuesArtifactId };
  const [saved] = await db
    .insert(valueSummaries)
    .values(values)
    .onConflictDoUpdate({
      target: [valueSummaries.runId, valueSummaries.method, valueSummaries.unit],
      set: { ...values, recordedAt: sql`now()` },
    })
    .returning();
  return saved!;
}

export async function valueSummariesOfRun(db: Database, runId: string): Promise<ValueSummaryRow[]> {
  return db
    .select()
    .from(valueSummaries)
    .where(eq(valueSummaries.runId, runId))
    .orderBy(asc(valueSummaries.method), asc(valueSummaries.unit));
}
