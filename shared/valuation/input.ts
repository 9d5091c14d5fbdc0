// The one input shape every valuation method takes, and the checks that turn bad input into
// errors naming the argument. Methods call `checkValuationInput` first so a NaN or a length
// mismatch fails here with a path, not as a silent NaN value three loops later.
import { z } from 'zod';
import type { Matrix } from '../data/types';
import { ValuationInputError } from './errors';
import { issuePath } from '../config/zod-issues';

/** Embeddings with one integer class label per row (labels 0..numClasses-1). */
export interface LabelledEmbeddings {
  readonly emb: Matrix;
  readonly labels: Int32Array;
}

/** Receives non-fatal findings (e.g. a one-class validation set); default: process.emitWarning. */
export type WarningSink = (message: string) => void;

export interface CheckedInput {
  readonly numClasses: number;
  readonly dim: number;
}

export const defaultWarningSink: WarningSink = (message) => process.emitWarning(message, 'ValuationWarning');

function checkMatrixAndLabels(x: LabelledEmbeddings, name: string): void {
  const { emb, labels } = x;
  if (!Number.isInteger(emb.rows) || emb.rows < 0 || !Number.isInteger(emb.cols) || emb.cols < 1) {
    throw new ValuationInputError(`${name}.emb`, `rows=${emb.rows}, cols=${emb.cols} is not a matrix shape`, 'Pass rows ≥ 0 and cols ≥ 1 as integers.');
  }
  if (emb.data.length !== emb.rows * emb.cols) {
    throw new ValuationInputError(
      `${name}.emb.data`,
      `has ${emb.data.length} values but rows × cols = ${emb.rows} × ${emb.cols} = ${emb.rows * emb.cols}`,
      'Pass a row-major Float32Array of exactly rows × cols values.',
    );
  }
  if (emb.rows === 0) {
    throw new ValuationInputError(name, 'has no examples (emb.rows = 0)', `Valuation needs at least one ${name} example; check the split that produced it.`);
  }
  if (labels.length !== emb.rows) {
    throw new ValuationInputError(
      `${name}.labels`,
      `has ${labels.length} labels for ${emb.rows} embedding rows`,
      'Pass exactly one label per embedding row, in the same order.',
    );
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0) {
      throw new ValuationInputError(`${name}.labels[${i}]`, `is ${labels[i]}`, 'Labels are class indices 0..numClasses-1; remap them before valuation.');
    }
  }
  const data = emb.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const row = Math.floor(i / emb.cols);
      throw new ValuationInputError(
        `${name}.emb`,
        `row ${row}, column ${i % emb.cols} is ${data[i]}`,
        'Embeddings must be finite; re-run pretraining or drop the rows whose embedding failed.',
      );
    }
  }
}

function countClasses(labels: Int32Array): { distinct: number; max: number } {
  const seen = new Set<number>();
  let max = 0;
  for (let i = 0; i < labels.length; i++) {
    seen.add(labels[i]!);
    if (labels[i]! > max) max = labels[i]!;
  }
  return { distinct: seen.size, max };
}

export interface CheckOptions {
  /** the method needs a learner fitted on the training labels, undefined with one class */
  readonly trainNeedsTwoClasses: boolean;
  readonly method: string;
  /** false for methods that never read the validation split (Data-OOB, loss, random): no one-class warning */
  readonly readsValidation?: boolean;
  readonly onWarning?: WarningSink;
}

/**
 * Validates train/valid and returns their shape. A one-class validation set is a warning,
 * not an error: every method's value is still defined (KNN-Shapley's utility is accuracy on
 * that class), but values then only reward predicting that class. A one-class *training* set
 * is an error for methods that fit a classifier on it (Data-OOB, TracIn, loss).
 */
export function checkValuationInput(train: LabelledEmbeddings, valid: LabelledEmbeddings, options: CheckOptions): CheckedInput {
  checkMatrixAndLabels(train, 'train');
  checkMatrixAndLabels(valid, 'valid');
  if (valid.emb.cols !== train.emb.cols) {
    throw new ValuationInputError(
      'valid.emb.cols',
      `is ${valid.emb.cols} but train.emb.cols is ${train.emb.cols}`,
      'Embed both splits with the same encoder checkpoint.',
    );
  }
  const trainClasses = countClasses(train.labels);
  const validClasses = countClasses(valid.labels);
  if (options.trainNeedsTwoClasses && trainClasses.distinct < 2) {
    throw new ValuationInputError(
      'train.labels',
      `has one class only (${train.labels[0]}), so ${options.method}'s classifier cannot be fitted`,
      'Add examples of another class (for implicit feedback, sample negatives with valueImplicitFeedback) or use knn-shapley.',
    );
  }
  if (options.readsValidation !== false && validClasses.distinct < 2) {
    (options.onWarning ?? defaultWarningSink)(
      `${options.method}: valid.labels has one class only (${valid.labels[0]}); values are defined but only reward predicting that class. ` +
        'Use a validation split with both positives and negatives for meaningful values.',
    );
  }
  return { numClasses: Math.max(trainClasses.max, validClasses.max) + 1, dim: train.emb.cols };
}

/** Parses a method's config with zod; an issue becomes a ValuationInputError naming `config.<path>`. */
export function parseConfig<S extends z.ZodType>(schema: S, config: unknown): z.infer<S> {
  const result = schema.safeParse(config ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issuePath(issue, 'config');
  throw new ValuationInputError(path, issue.message, 'Fix the value in the valuation config.');
}
