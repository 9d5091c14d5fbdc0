// What makes two runs of a partition the same run: the spec fields that decide results and the
// code of every step. A backfill reuses a completed partition only when both match; a changed
// spec or changed code starts a new run. Orchestration settings (task queues, timeouts, retry
// budget, heartbeats, checkpoint retention) and the client's code version do not change what a run computes.
import { createHash } from 'node:crypto';
import { STEPS, type PipelineIdentity } from './contract';
import { codeDigest } from './code-digest';
import { canonicalJson } from './fingerprint';
import { valuationDigestForm, type ValuationSpec } from './spec';
import { STEP_DEFINITIONS } from './steps';

const NOT_RESULT_FIELDS = ['partition', 'codeVersion', 'taskQueues', 'timeouts', 'retry', 'heartbeatSeconds', 'checkpoints'] as const;

/** sha256 of the spec without its partition and orchestration settings, in canonical JSON (the valuation in its digest form). */
export function specDigest(spec: unknown): string {
  const fields = { ...(spec as Record<string, unknown>) };
  for (const key of NOT_RESULT_FIELDS) delete fields[key];
  if (fields.valuation !== null && typeof fields.valuation === 'object') fields.valuation = valuationDigestForm(fields.valuation as ValuationSpec);
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

let pipelineCode: Promise<string> | undefined;

/** One digest over every step's code digest (its module graph, kernels and lockfile), per process. */
export function pipelineCodeDigest(): Promise<string> {
  pipelineCode ??= Promise.all(STEPS.map(async (step) => `${step}\0${(await codeDigest(STEP_DEFINITIONS[step].module)).digest}\n`))
    .then((lines) => createHash('sha256').update(lines.join('')).digest('hex'))
    .catch((err) => { pipelineCode = undefined; throw err; });
  return pipelineCode;
}

export async function pipelineIdentityOf(spec: unknown): Promise<PipelineIdentity> {
  return { specDigest: specDigest(spec), codeDigest: await pipelineCodeDigest() };
}
