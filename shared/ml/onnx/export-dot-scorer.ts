// The exported artifact set of the trained model's final scorer: the ONNX model (item embeddings
// and bias inside as initializers) plus user and item embeddings as standalone TensorProto files,
// so the infer step and outside tools (onnx.load_tensor) can use them without the training code.

import { createHash } from 'node:crypto';
import type { Matrix } from '../../data/types';
import { buildDotScorerModel, DOT_SCORER_OPSET } from './dot-scorer-model';
import { encodeMatrixTensor } from './tensor-proto';

export interface DotScorerExport {
  /** file name → bytes */
  readonly files: Readonly<Record<'scorer.onnx' | 'user_emb.pb' | 'item_emb.pb', Uint8Array>>;
  readonly manifest: {
    readonly opset: number;
    readonly k: number;
    readonly numUsers: number;
    readonly numItems: number;
    readonly dim: number;
    readonly hasItemBias: boolean;
    readonly sha256: Readonly<Record<string, string>>;
  };
}

export function exportDotScorer(spec: { userEmbeddings: Matrix; itemEmbeddings: Matrix; itemBias?: Float32Array; k: number }): DotScorerExport {
  const { userEmbeddings, itemEmbeddings, itemBias, k } = spec;
  if (userEmbeddings.cols !== itemEmbeddings.cols) {
    throw new RangeError(`exportDotScorer: user embeddings have ${userEmbeddings.cols} columns, item embeddings ${itemEmbeddings.cols}; they must match`);
  }
  const files = {
    'scorer.onnx': buildDotScorerModel({ itemEmbeddings, k, ...(itemBias ? { itemBias } : {}) }),
    'user_emb.pb': encodeMatrixTensor('user_emb', userEmbeddings),
    'item_emb.pb': encodeMatrixTensor('item_emb', itemEmbeddings),
  };
  const sha256 = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, createHash('sha256').update(bytes).digest('hex')]));
  return {
    files,
    manifest: {
      opset: DOT_SCORER_OPSET,
      k,
      numUsers: userEmbeddings.rows,
      numItems: itemEmbeddings.rows,
      dim: itemEmbeddings.cols,
      hasItemBias: itemBias !== undefined,
      sha256,
    },
  };
}
