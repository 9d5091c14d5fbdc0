// What happens to the quarantined interactions (those outside the important set S) when the
// valued model fine-tunes:
// - 'context' (the method's default): they stay in the users' histories, so they are still
//   read as context before later interactions; they are only never a training target.
// - 'drop': they leave the fine-tuning data altogether, as targets and as context — planted
//   or natural noise in a history also misleads the prediction of every later item.
// Inference reads each user's full history either way: what the user did is the context the
// deployed model sees. See docs/decisions/0004-quarantine-and-truncated-loss.md.
import { z } from 'zod';
import type { InteractionTable } from '../data/types';
import { takeRows } from '../data/take-rows';

export const QUARANTINE_MODES = ['context', 'drop'] as const;
export const QuarantineModeSchema = z.enum(QUARANTINE_MODES);
export type QuarantineMode = z.infer<typeof QuarantineModeSchema>;

export interface SelectedExamples {
  /** rows of the train table trained on as targets */
  readonly indices: Int32Array;
  readonly weights: Float32Array;
}

/**
 * The fine-tuning table and examples for `mode`: unchanged for 'context'; for 'drop', the train
 * table cut to the selected rows (in table order) and the examples re-indexed into it.
 */
export function fineTuningData(train: InteractionTable, examples: SelectedExamples, mode: QuarantineMode): { train: InteractionTable; examples: SelectedExamples } {
  if (mode === 'context') return { train, examples };
  const newIndex = new Int32Array(train.length).fill(-1);
  for (const j of examples.indices) {
    if (j < 0 || j >= train.length) throw new Error(`quarantine: selected row ${j} is outside the ${train.length} train interactions`);
    newIndex[j] = 0;
  }
  const rows: number[] = [];
  for (let j = 0; j < train.length; j++) {
    if (newIndex[j] === 0) {
      newIndex[j] = rows.length;
      rows.push(j);
    }
  }
  return {
    train: takeRows(train, Int32Array.from(rows)),
    examples: { indices: Int32Array.from(examples.indices, (j) => newIndex[j] as number), weights: examples.weights },
  };
}
