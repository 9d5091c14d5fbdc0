// What happens to the quarantined interactions (those outside the important set S) when the
// valued model fine-tunes:
// - 'context' (the method's default): they stay in the users' histories, so they are still
//   read as context before later interactions; they are only never a training target.
// - 'drop': they leave the fine-tuning data altogether, as targets and as context — planted
//   or natural noise in a history also misleads the prediction of every later item.
// - 'hidden': dropped as in 'drop', and left out of the histories the valued model reads at
//   validation and inference too — it never learned to read them as context, so serving them
//   is a mismatch; pretraining still saw them, so it costs nothing more. See
//   docs/decisions/0024-quarantine-hidden-from-the-valued-model.md.
// - 'everywhere': they leave everything the valued model learns from and reads: it is
//   pretrained again on the kept interactions (the pipeline's valued pretrain), fine-tuned on
//   them as in 'drop', and scored at validation and inference from histories without them —
//   noise also shapes the item table pretraining learns, and misleads as serving context. It
//   costs a second pretrain.
// In 'context' and 'drop', inference reads each user's full history: what the user did is the
// context the deployed model sees. See docs/decisions/0004-quarantine-and-truncated-loss.md and
// docs/decisions/0018-quarantine-everywhere.md. Which mode pretrains again: step-table.ts
// (pretrainsOnKept), which the workflow bundle reads without this module's data libraries.
import { z } from 'zod';
import type { InteractionTable, SplitDataset } from '../data/types';
import { takeRows } from '../data/take-rows';

// in the order of what they cost (the bench's tie-break): 'everywhere' adds a pretrain
export const QUARANTINE_MODES = ['context', 'drop', 'hidden', 'everywhere'] as const;
export const QuarantineModeSchema = z.enum(QUARANTINE_MODES);
export type QuarantineMode = z.infer<typeof QuarantineModeSchema>;

/** Whether the valued fine-tune trains without the quarantined interactions, as targets and as context. */
export const finetunesOnKept = (mode: QuarantineMode): boolean => mode !== 'context';

/** Whether the valued model reads histories without the quarantined interactions at validation and inference. */
export const readsKept = (mode: QuarantineMode): boolean => mode === 'hidden' || mode === 'everywhere';

export interface SelectedExamples {
  /** rows of the train table trained on as targets */
  readonly indices: Int32Array;
  readonly weights: Float32Array;
}

/**
 * The fine-tuning table and examples for `mode`: unchanged for 'context'; otherwise the train
 * table cut to the selected rows (in table order) and the examples re-indexed into it.
 */
export function fineTuningData(train: InteractionTable, examples: SelectedExamples, mode: QuarantineMode): { train: InteractionTable; examples: SelectedExamples } {
  if (!finetunesOnKept(mode)) return { train, examples };
  const { table, newIndex } = keptTable(train, examples.indices);
  return { train: table, examples: { indices: Int32Array.from(examples.indices, (j) => newIndex[j]!), weights: examples.weights } };
}

/** `train` cut to the `selected` rows, in table order, and each old row's index in it (−1: left out). */
export function keptTable(train: InteractionTable, selected: Int32Array): { table: InteractionTable; newIndex: Int32Array } {
  const newIndex = new Int32Array(train.length).fill(-1);
  for (const j of selected) {
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
  return { table: takeRows(train, Int32Array.from(rows)), newIndex };
}

/**
 * The data the valued model reads at validation and inference: `ds` with the train rows (the
 * histories) cut to the `selected` ones where the quarantine hides them from it, else `ds`.
 */
export function valuedModelData(ds: SplitDataset, selected: Int32Array, mode: QuarantineMode): SplitDataset {
  return readsKept(mode) ? { ...ds, train: keptTable(ds.train, selected).table } : ds;
}
