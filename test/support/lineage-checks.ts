// What "nothing lost, nothing duplicated" means for one completed run's lineage, counted from
// the database: one completed attempt per step and none left running, no attempt recorded
// twice, no edge or epoch metric written twice, and every output the workflow returned
// recorded as an artifact linked to the attempt that produced it.
import { inArray } from 'drizzle-orm';
import type { Database } from '../../shared/db/open-database';
import * as lineage from '../../shared/db/lineage';
import { edges } from '../../shared/db/schema';
import type { PipelineResult } from '../../workflows/pipeline';

export const PIPELINE_STEPS = ['control-finetune', 'infer', 'preprocess', 'pretrain', 'report', 'value', 'valued-finetune'];

export interface LineageCount {
  /** every problem found, empty when the run's lineage is consistent */
  problems: string[];
  /** `pretrain#1 lost, pretrain#2 completed, …` */
  attempts: string;
  steps: number;
  outputs: number;
  edges: number;
  epochMetrics: number;
  /** one line for the test's console output */
  summary: string;
}

export async function countLineage(db: Database, runId: string, result: PipelineResult, expectedSteps = PIPELINE_STEPS): Promise<LineageCount> {
  const problems: string[] = [];
  const run = await lineage.getRun(db, runId);
  if (run?.status !== 'completed') problems.push(`run ${runId} is ${run?.status ?? 'missing'} in lineage`);
  const steps = await lineage.stepsOfRun(db, runId);
  const completed = steps.filter((s) => s.status === 'completed').map((s) => s.stepName).sort();
  if (JSON.stringify(completed) !== JSON.stringify([...expectedSteps].sort())) problems.push(`completed attempts ${completed.join(',')} ≠ one per step ${[...expectedSteps].sort().join(',')}`);
  for (const s of steps.filter((x) => x.status === 'running')) problems.push(`${s.stepName}#${s.attempt} left running`);
  const attemptKeys = steps.map((s) => `${s.stepName}#${s.attempt}`);
  if (new Set(attemptKeys).size !== attemptKeys.length) problems.push(`an attempt recorded twice: ${attemptKeys.join(',')}`);

  const stepIds = steps.map((s) => s.id);
  const edgeRows = stepIds.length ? await db.select().from(edges).where(inArray(edges.stepId, stepIds)) : [];
  const edgeKeys = edgeRows.map((e) => `${e.stepId}/${e.artifactId}/${e.direction}`);
  if (new Set(edgeKeys).size !== edgeKeys.length) problems.push('an edge recorded twice');

  const metrics = await lineage.metricsOfRun(db, runId);
  const epochRows = metrics.filter((m) => m.epoch !== null);
  const epochKeys = epochRows.map((m) => `${m.stepId}/${m.label}/${m.name}/${m.epoch}`);
  if (new Set(epochKeys).size !== epochKeys.length) problems.push('an epoch metric recorded twice');

  // every output the workflow returned is an artifact row, produced by that step's completed attempt
  const outputs = result.steps.flatMap((s) => Object.values(s.outputs).map((ref) => ({ step: s, ref })));
  const produced = new Set(edgeRows.filter((e) => e.direction === 'output').map((e) => `${e.artifactId}/${e.stepId}`));
  for (const { step, ref } of outputs) {
    const row = await lineage.artifactByUri(db, ref.uri);
    const group = step.variant ? `${step.variant}-${step.step}` : step.step;
    const attempts = steps.filter((s) => s.stepName === group && s.status === 'completed');
    if (!row) problems.push(`${group} output ${ref.uri} not in lineage`);
    else if (!attempts.some((a) => produced.has(`${row.id}/${a.id}`))) problems.push(`${group} output ${ref.uri} not linked to a completed attempt of ${group}`);
  }
  const attempts = steps.map((s) => `${s.stepName}#${s.attempt} ${s.status}${s.cacheHit ? ' (cache)' : ''}`).join(', ');
  const summary = `lineage of ${runId}: ${steps.length} attempts [${attempts}]; ${outputs.length} outputs recorded; ${edgeRows.length} edges; ${epochRows.length} epoch metrics; problems: ${problems.length ? problems.join('; ') : 'none'}`;
  return { problems, attempts, steps: steps.length, outputs: outputs.length, edges: edgeRows.length, epochMetrics: epochRows.length, summary };
}
