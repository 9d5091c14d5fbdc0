// Builds the valued-vs-control artifact (valued-vs-control.ts) from the two models' per-user
// test metrics.
import type { EvaluationResult } from '../../eval/evaluate';
import { METRIC_NAMES } from '../../eval/metrics';
import { pairedDifference } from '../../eval/paired-difference';
import type { ValuedVsControl } from './valued-vs-control';

export function valuedVsControl(valued: EvaluationResult, control: EvaluationResult, k: number): ValuedVsControl {
  const metrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, pairedDifference(valued.perUser.users, valued.perUser[name], control.perUser.users, control.perUser[name])]));
  return { k, confidence: 0.95, metrics };
}
