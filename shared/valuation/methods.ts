// Every valuation method behind one interface, keyed by the names docs/architecture.md §1 uses, so the
// valuation activity can pick one from a pipeline spec:
//   (train, valid, config) → Promise<Float64Array>, one value per training example, higher =
//   more valuable, deterministic for a config (and its seed, where the method samples).
import type { LabelledEmbeddings } from './input';
import { dataOob, type DataOobConfig } from './data-oob';
import { knnShapley, type KnnShapleyConfig } from './knn-shapley';
import { lossValues, type LossConfig } from './loss';
import { randomValues, type RandomConfig } from './random';
import { tracin, type TracInConfig } from './tracin';

export interface ValuationConfigs {
  'knn-shapley': KnnShapleyConfig;
  'data-oob': DataOobConfig;
  tracin: TracInConfig;
  loss: LossConfig;
  random: RandomConfig;
}
export type ValuationMethod = keyof ValuationConfigs;
export const VALUATION_METHODS = ['knn-shapley', 'data-oob', 'tracin', 'loss', 'random'] as const satisfies readonly ValuationMethod[];

type Valuer<C> = (train: LabelledEmbeddings, valid: LabelledEmbeddings, config?: C) => Promise<Float64Array>;
const valuers: { [M in ValuationMethod]: Valuer<ValuationConfigs[M]> } = {
  'knn-shapley': knnShapley,
  'data-oob': dataOob,
  tracin,
  loss: lossValues,
  random: randomValues,
};

export function valueData<M extends ValuationMethod>(method: M, train: LabelledEmbeddings, valid: LabelledEmbeddings, config?: ValuationConfigs[M]): Promise<Float64Array> {
  const valuer = valuers[method] as Valuer<ValuationConfigs[M]>;
  return valuer(train, valid, config);
}

/** A method with its config, typed together: a setting reaches only the method that reads it. */
export type MethodRun = { [M in ValuationMethod]: { readonly method: M; readonly config?: ValuationConfigs[M] } }[ValuationMethod];

/** valueData for a method and its config. */
export function valueWith(run: MethodRun, train: LabelledEmbeddings, valid: LabelledEmbeddings): Promise<Float64Array> {
  return valueData(run.method, train, valid, run.config);
}
