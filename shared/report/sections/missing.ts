// Why a section has no data, in words a data engineer can act on: which step should have
// produced it and what became of that step.
import type { RunReport, StepRecordT } from '../input';

/** Step names (or name prefixes before a `-`) that produce each optional section. */
export const PRODUCERS = {
  training: ['pretrain', 'finetune', 'fine-tune'],
  metrics: ['infer', 'evaluate'],
  values: ['value', 'valuation'],
  detection: ['value', 'valuation', 'evaluate'],
  pointRemoval: ['value', 'valuation', 'evaluate', 'point-removal'],
  quarantine: ['infer'],
  rejects: ['preprocess'],
} as const;

/** `finetune` produces as `finetune-x` or, per variant, as `valued-finetune`. */
const matches = (step: StepRecordT, producer: string) =>
  step.name === producer || step.name.startsWith(`${producer}-`) || step.name.endsWith(`-${producer}`);

/**
 * A sentence explaining the absence: a producing step that failed or never ran is named;
 * otherwise `hint` says what would make the section appear.
 */
export function missingReason(report: RunReport, producers: readonly string[], hint: string): string {
  const steps = report.steps.filter((s) => producers.some((p) => matches(s, p)));
  const failed = steps.find((s) => s.status === 'failed');
  if (failed) return `Step "${failed.name}" failed before producing it.`;
  const unfinished = steps.find((s) => s.status !== 'succeeded');
  if (unfinished) return `Step "${unfinished.name}" is ${unfinished.status}.`;
  if (steps.length > 0 && steps.every((s) => s.cacheHit)) {
    // A cache hit replays a step's final results only; its per-epoch records stay with the run that computed it.
    const names = steps.map((s) => `"${s.name}"`).join(', ');
    return `${steps.length === 1 ? 'Step' : 'Steps'} ${names} came from the step cache, so ${steps.length === 1 ? 'its' : 'their'} records are in the run that computed them; re-run with --no-cache to see them here.`;
  }
  const { status } = report.run;
  if (status !== 'succeeded' && status !== 'running') {
    return `The run ${status === 'failed' ? 'failed' : status === 'timed-out' ? 'timed out' : `was ${status}`} before producing it.`;
  }
  return hint;
}
