// A step attempt's lineage: its writes go through a journal that waits out a database outage
// for the spec's retry budget, and the step waits for them heartbeating, so a step waiting for
// Postgres is not taken for a lost worker.
import { log } from '@temporalio/activity';
import * as lineage from '../shared/db/lineage';
import type { Database } from '../shared/db/open-database';
import type { StepName } from '../shared/pipeline/contract';
import { RetrySpecSchema } from '../shared/pipeline/spec';
import type { RunRecords } from '../shared/pipeline/step';
import type { ArtifactRef } from '../shared/store/manifest';
import { GROUP_SEPARATOR } from './artifact-io';
import { LineageJournal } from './lineage-journal';
import { lineageDb } from './runtime';
import type { EpochRecord, RecordedOutcome } from './step-cache';

/** How long a failing attempt waits for its lineage; the writes still queued go on in this worker. */
export const FAILED_ATTEMPT_FLUSH_MS = 10_000;

/** The lineage journal of one attempt: writes wait out a database outage for the spec's retry budget. */
export function attemptJournal(spec: unknown, step: StepName): LineageJournal {
  const retry = RetrySpecSchema.parse((spec as { retry?: unknown } | null)?.retry ?? {});
  return new LineageJournal({
    open: async () => (await lineageDb()).db,
    initialIntervalMs: retry.initialIntervalSeconds * 1000,
    maximumIntervalMs: retry.maximumIntervalSeconds * 1000,
    budgetMs: retry.budgetSeconds * 1000,
    onUnavailable: (err) => log.warn(`${step}: lineage database unavailable, queuing its records until it is back`, { error: err instanceof Error ? err.message : String(err) }),
  });
}

/** Waits for the journal while heartbeating, at most `atMostMs` when given. */
export async function flushHeartbeating(journal: LineageJournal, heartbeat: () => void, atMostMs = Number.POSITIVE_INFINITY): Promise<void> {
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

/** The step's input and output artifacts, and the links between them and the step. */
export async function recordOutputs(db: Database, stepId: number, runId: string, step: StepName, inputs: Record<string, ArtifactRef>, outputs: Record<string, ArtifactRef>): Promise<void> {
  for (const [name, ref] of Object.entries({ ...inputs, ...outputs })) {
    await lineage.recordArtifact(db, { ...ref, kind: name.split(GROUP_SEPARATOR)[0] ?? step, runId, step, name });
  }
  await lineage.linkArtifacts(db, stepId, Object.values(inputs).map((r) => r.uri), Object.values(outputs).map((r) => r.uri));
}

export async function recordEpoch(db: Database, stepId: number, runId: string, e: EpochRecord): Promise<void> {
  await lineage.recordMetrics(db, Object.entries(e.metrics).filter(([, v]) => Number.isFinite(v)).map(([name, value]) => ({ runId, stepId, name, value, epoch: e.epoch, label: e.label })));
}

/** Final metrics and the value summary of a step attempt, fresh or replayed from the cache. */
export async function recordOutcome(db: Database, stepId: number, runId: string, group: string, outcome: RecordedOutcome): Promise<void> {
  const rows = [
    ...Object.entries(outcome.metrics).map(([name, value]) => ({ runId, stepId, name, value, label: group })),
    ...Object.entries(outcome.labelledMetrics ?? {}).flatMap(([label, m]) => Object.entries(m).map(([name, value]) => ({ runId, stepId, name, value, label }))),
  ].filter((r) => Number.isFinite(r.value));
  if (rows.length > 0) await lineage.recordMetrics(db, rows);
  if (outcome.valueSummary) await lineage.recordValueSummary(db, { ...outcome.valueSummary, runId, stepId });
}

/** What lineage holds about a run so far, once this attempt's queued writes have landed. */
export async function runRecordsAfter(journal: LineageJournal, runId: string): Promise<RunRecords> {
  await journal.flush();
  const { db } = await lineageDb();
  const [run, steps, metrics, values] = await Promise.all([
    lineage.getRun(db, runId), lineage.stepsOfRun(db, runId), lineage.metricsOfRun(db, runId), lineage.valueSummariesOfRun(db, runId),
  ]);
  return { run, steps, metrics, values };
}
