// The valued model against its control on every headline metric, paired over the test users
// both were scored on: the artifact the report's verdict is written from. A per-user paired
// interval says whether a difference is larger than the spread between users; a bare pair of
// means cannot.
import { z } from 'zod';
import type { EvaluationResult } from '../../eval/evaluate';
import { METRIC_NAMES } from '../../eval/metrics';
import { pairedDifference, PairedDifferenceSchema } from '../../eval/paired-difference';

export const VALUED_VS_CONTROL_FILE = 'valued-vs-control.json';

export const ValuedVsControlSchema = z.object({
  k: z.number().int().min(1),
  /** confidence of the intervals */
  confidence: z.literal(0.95),
  /** per metric: meanA = valued, meanB = control, difference = valued − control */
  metrics: z.record(z.enum(METRIC_NAMES), PairedDifferenceSchema),
});
export type ValuedVsControl = z.infer<typeof ValuedVsControlSchema>;

export function valuedVsControl(valued: EvaluationResult, control: EvaluationResult, k: number): ValuedVsControl {
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((name) => [name, pairedDifference(valued.perUser.users, valued.perUser[name], control.perUser.users, control.perUser[name])]),
  ) as ValuedVsControl['metrics'];
  return { k, confidence: 0.95, metrics };
}
