// The valued model against its control on every headline metric, paired over the test users
// both were scored on: the artifact the report's verdict is written from. A per-user paired
// interval says whether a difference is larger than the spread between users; a bare pair of
// means cannot. Only the format lives here, so the report step does not depend on the
// evaluation code (infer writes it: valued-vs-control-paired.ts).
import { z } from 'zod';
import { PairedDifferenceSchema } from '../../eval/paired-difference';

export const VALUED_VS_CONTROL_FILE = 'valued-vs-control.json';

export const ValuedVsControlSchema = z.object({
  k: z.number().int().min(1),
  /** confidence of the intervals */
  confidence: z.literal(0.95),
  /** per metric name of shared/eval/metrics.ts (ndcg, hitRate, recall, mrr, auc): meanA = valued, meanB = control, difference = valued − control */
  metrics: z.record(z.string(), PairedDifferenceSchema),
});
export type ValuedVsControl = z.infer<typeof ValuedVsControlSchema>;
