// What a backfill (or a schedule) did with one partition and why, and how the CLI words it.
// Pure: the backfill workflow decides with changeOf, the CLI prints describeOutcome.
import type { PipelineIdentity } from './contract';

/**
 * What the backfill did with a partition and what came of it:
 * - `ran`: no run of the partition existed (or the last one failed), so one was started;
 * - `reused`: a completed run with the same spec and code digests, `run` names it;
 * - `rerun`: a completed run existed but `why` (spec changed, code changed) it cannot stand;
 * - `awaited`: a run was in flight; the backfill waited for it and reports its outcome (when it
 *   completed a run of another spec or code, the partition is `rerun` instead, saying so).
 */
export interface PartitionOutcome {
  action: 'ran' | 'reused' | 'rerun' | 'awaited';
  result: 'completed' | 'failed';
  /** the run that gave the result: `<workflowId>/<runId>` */
  run?: string;
  why?: string;
  /** a failed result: `<step>: <root cause>` */
  error?: string;
}

/** One line per partition, as the CLI prints it: `reused: same spec+code as run X`, `rerun: spec changed → completed`. */
export function describeOutcome(o: PartitionOutcome): string {
  const result = o.result === 'failed' ? `failed: ${o.error ?? 'unknown cause'}` : 'completed';
  if (o.action === 'ran') return result;
  if (o.action === 'reused') return `reused: same spec+code as run ${o.run}`;
  if (o.action === 'rerun') return `rerun: ${o.why} → ${result}`;
  return `awaited: was running → ${result}`;
}

/** Why a completed run with `recorded` identity cannot stand for a run with `wanted`; undefined when it can. */
export function changeOf(recorded: PipelineIdentity | undefined, wanted: PipelineIdentity): string | undefined {
  if (!recorded) return 'no spec/code digests recorded on the earlier run';
  const spec = recorded.specDigest !== wanted.specDigest;
  const code = recorded.codeDigest !== wanted.codeDigest;
  if (spec && code) return 'spec and code changed';
  if (spec) return 'spec changed';
  if (code) return 'code changed';
  return undefined;
}
