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

const matches = (step: StepRecordT, producer: string) => step.name === producer || step.name.startsWith(`${producer}-`);

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
  const { status } = report.run;
  if (status !== 'succeeded' && status !== 'running') {
    return `The run ${status === 'failed' ? 'failed' : status === 'timed-out' ? 'timed out' : `was ${status}`} before producing it.`;
  }
  return hint;
}
