// Lineage and metrics tables (docs/architecture.md §3). This file is the single source of truth: drizzle-kit
// generates shared/db/migrations from it and every query is typed by it.
//
// The graph is bipartite: artifacts are the nodes that hold data, step attempts are the nodes
// that transform it, and an edge says "this attempt read / wrote that artifact".
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
// `lost`: an attempt whose worker vanished, closed when a later attempt of the same step starts
export const STEP_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'lost'] as const;
export const EDGE_DIRECTIONS = ['input', 'output'] as const;

export const runStatus = pgEnum('run_status', RUN_STATUSES);
export const stepStatus = pgEnum('step_status', STEP_STATUSES);
export const edgeDirection = pgEnum('edge_direction', EDGE_DIRECTIONS);

const moment = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One pipeline execution; the id is the Temporal workflow id + run id, so it is unique per execution. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    dataset: text('dataset').notNull(),
    partition: text('partition').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    codeVersion: text('code_version').notNull(),
    status: runStatus('status').notNull().default('queued'),
    createdAt: moment('created_at').notNull().defaultNow(),
    startedAt: moment('started_at'),
    finishedAt: moment('finished_at'),
    error: text('error'),
  },
  (t) => [index('runs_dataset_partition_idx').on(t.dataset, t.partition)],
);

/** One row per step *attempt*: a Temporal retry is a new row, so failures stay visible. */
export const steps = pgTable(
  'steps',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepName: text('step_name').notNull(),
    attempt: integer('attempt').notNull(),
    status: stepStatus('status').notNull().default('running'),
    /** sha256(step, source digest, backend, config subset, input digests): the step cache key */
    fingerprint: text('fingerprint').notNull(),
    cacheHit: boolean('cache_hit').notNull().default(false),
    worker: text('worker'),
    /** the device the backend computed on: `cpu`, or `cuda:N` only for a GPU backend */
    device: text('device'),
    computeBackend: text('compute_backend'),
    /** the code version of the worker that ran the attempt, which may differ from the run's */
    codeVersion: text('code_version'),
    /** the digest of the step's module graph, WASM kernels and lockfile on that worker */
    sourceDigest: text('source_digest'),
    startedAt: moment('started_at').notNull().defaultNow(),
    finishedAt: moment('finished_at'),
    durationMs: integer('duration_ms'),
    error: text('error'),
  },
  (t) => [
    // a re-sent "attempt started" for the same attempt must land on the same row
    unique('steps_run_step_attempt_uq').on(t.runId, t.stepName, t.attempt),
    index('steps_fingerprint_idx').on(t.fingerprint, t.status),
    index('steps_run_id_idx').on(t.runId),
  ],
);

/** An immutable blob in the artifact store; the uri is its identity. */
export const artifacts = pgTable(
  'artifacts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    uri: text('uri').notNull().unique('artifacts_uri_uq'),
    sha256: text('sha256').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    /** the run that first wrote it; null for raw inputs registered from outside */
    runId: text('run_id').references(() => runs.id, { onDelete: 'set null' }),
    step: text('step'),
    name: text('name'),
    createdAt: moment('created_at').notNull().defaultNow(),
  },
  (t) => [index('artifacts_sha256_idx').on(t.sha256), index('artifacts_run_id_idx').on(t.runId)],
);

/** input artifact → step attempt → output artifact. The primary key makes re-linking a no-op. */
export const edges = pgTable(
  'edges',
  {
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id, { onDelete: 'cascade' }),
    artifactId: integer('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    direction: edgeDirection('direction').notNull(),
  },
  (t) => [
    primaryKey({ name: 'edges_pk', columns: [t.stepId, t.artifactId, t.direction] }),
    // downstream walks start from an artifact
    index('edges_artifact_idx').on(t.artifactId, t.direction),
  ],
);

/** Scalar results: per epoch (epoch set) or final (epoch null), per model/split label. */
export const metrics = pgTable(
  'metrics',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepId: integer('step_id').references(() => steps.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    value: doublePrecision('value').notNull(),
    epoch: integer('epoch'),
    /** which model or split the number describes, e.g. 'valued' | 'control' | 'most-popular' */
    label: text('label'),
    recordedAt: moment('recorded_at').notNull().defaultNow(),
  },
  (t) => [
    // recording the same metric twice (a retried report) overwrites instead of duplicating;
    // NULLS NOT DISTINCT so that final metrics (epoch null) are covered too
    unique('metrics_identity_uq').on(t.runId, t.stepId, t.name, t.epoch, t.label).nullsNotDistinct(),
    index('metrics_run_id_idx').on(t.runId),
  ],
);

/** Distribution of data values from one valuation method, with a pointer to the full vector. */
export const valueSummaries = pgTable(
  'value_summaries',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepId: integer('step_id').references(() => steps.id, { onDelete: 'set null' }),
    method: text('method').notNull(),
    /** what one value is attached to: 'interaction' | 'session' | 'user' */
    unit: text('unit').notNull(),
    count: integer('count').notNull(),
    mean: doublePrecision('mean').notNull(),
    std: doublePrecision('std').notNull(),
    min: doublePrecision('min').notNull(),
    max: doublePrecision('max').notNull(),
    /** quantile level → value, e.g. {"0.5": 0.013} */
    quantiles: jsonb('quantiles').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
    keptCount: integer('kept_count').notNull(),
    threshold: doublePrecision('threshold'),
    valuesArtifactId: integer('values_artifact_id').references(() => artifacts.id, { onDelete: 'set null' }),
    recordedAt: moment('recorded_at').notNull().defaultNow(),
  },
  (t) => [unique('value_summaries_run_method_unit_uq').on(t.runId, t.method, t.unit)],
);

export const lineageSchema = { runs, steps, artifacts, edges, metrics, valueSummaries, runStatus, stepStatus, edgeDirection };

export type RunRow = typeof runs.$inferSelect;
export type StepRow = typeof steps.$inferSelect;
export type ArtifactRow = typeof artifacts.$inferSelect;
export type EdgeRow = typeof edges.$inferSelect;
export type MetricRow = typeof metrics.$inferSelect;
export type ValueSummaryRow = typeof valueSummaries.$inferSelect;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = (typeof STEP_STATUSES)[number];
