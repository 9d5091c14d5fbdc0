// How well values find planted label noise, the two figures OpenDataVal reports:
// - AUC of the score −value against the noisy/clean ground truth (Mann–Whitney U with
//   average ranks for ties: the probability a noisy example scores above a clean one);
// - F1 of k-means (k = 2) on the 1-D values, the cluster with the lower centre predicted
//   noisy. 1-D 2-means is solved exactly (sorted values, best split by within-cluster sum
//   of squares) instead of Lloyd's iterations, so it needs no seed and finds the optimum.
import { ValuationInputError } from './errors';
import { averageRanks } from './ranks';

function checkLengths(values: Float64Array, noisy: Uint8Array): void {
  if (values.length !== noisy.length) {
    throw new ValuationInputError('noisy', `has ${noisy.length} flags for ${values.length} values`, 'Pass one 0/1 ground-truth flag per valued example.');
  }
}

export function noiseDetectionAuc(values: Float64Array, noisy: Uint8Array): number {
  checkLengths(values, noisy);
  const ranks = averageRanks(values.map((v) => -v));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < values.length; i++) {
    if (noisy[i]) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = values.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new ValuationInputError('noisy', positives === 0 ? 'flags no example as noisy' : 'flags every example as noisy', 'AUC needs both noisy and clean examples.');
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Exact 1-D 2-means: returns 1 for members of the lower-centre cluster. */
export function lowerKMeansCluster(values: Float64Array): Uint8Array {
  const n = values.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const prefix = new Float64Array(n + 1);
  const prefixSq = new Float64Array(n + 1);
  for (let p = 0; p < n; p++) {
    const v = values[order[p]!]!;
    prefix[p + 1] = prefix[p]! + v;
    prefixSq[p + 1] = prefixSq[p]! + v * v;
  }
  const sse = (from: number, to: number): number => {
    const count = to - from;
    const sum = prefix[to]! - prefix[from]!;
    return prefixSq[to]! - prefixSq[from]! - (sum * sum) / count;
  };
  let bestSplit = n; // all in one cluster when every value is equal
  let bestCost = Infinity;
  for (let split = 1; split < n; split++) {
    // a split between equal values would put one value in both clusters
    if (values[order[split - 1]!] === values[order[split]!]) continue;
    const cost = sse(0, split) + sse(split, n);
    if (cost < bestCost) {
      bestCost = cost;
      bestSplit = split;
    }
  }
  const lower = new Uint8Array(n);
  for (let p = 0; p < bestSplit; p++) lower[order[p]!] = 1;
  return lower;
}

export function f1Score(predicted: Uint8Array, truth: Uint8Array): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (predicted[i] && truth[i]) tp++;
    else if (predicted[i]) fp++;
    else if (truth[i]) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

export interface DetectionQuality {
  readonly auc: number;
  readonly kmeansF1: number;
}

export function noiseDetectionQuality(values: Float64Array, noisy: Uint8Array): DetectionQuality {
  const auc = noiseDetectionAuc(values, noisy);
  return { auc, kmeansF1: f1Score(lowerKMeansCluster(values), noisy) };
}
