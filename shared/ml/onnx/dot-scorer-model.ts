// ONNX graph of the trained model's final scorer, built directly as a ModelProto (no Python):
//   scores[b, i]  = user_emb[b] · item_emb[i] (+ item_bias[i])        Gemm, transB = 1
//   masked        = scores with masked[row, item] = −∞ for every (row, item) in seen_index
//                                                                      ScatterND
//   top_scores, top_items = TopK(masked, k), largest first; ONNX TopK breaks ties by the
//                           lower index, the same order as shared/eval/topk.ts
// Inputs: user_emb [batch, d] float32, seen_index [seen, 2] int64 (row in batch, item).
// Outputs: scores [batch, items] (unmasked), top_scores [batch, k], top_items [batch, k] int64.

import { onnx } from 'onnx-proto';
import { z } from 'zod';
import type { Matrix } from '../../data/types';
import { ElementType, float32Tensor, int64Tensor, tensorValueInfo } from './tensor-proto';

export const DOT_SCORER_NAMES = {
  userEmbeddings: 'user_emb',
  seenIndex: 'seen_index',
  scores: 'scores',
  topScores: 'top_scores',
  topItems: 'top_items',
} as const;

/** ONNX opset of the default domain; 15 is the newest the onnx-proto v1.10 schema knows. */
export const DOT_SCORER_OPSET = 15;

export const dotScorerConfigSchema = z.object({
  k: z.number().int().positive().default(10),
});

export interface DotScorerSpec extends z.input<typeof dotScorerConfigSchema> {
  readonly itemEmbeddings: Matrix;
  /** optional per-item bias, length = itemEmbeddings.rows */
  readonly itemBias?: Float32Array;
}

export function buildDotScorerModel(spec: DotScorerSpec): Uint8Array {
  const { k } = dotScorerConfigSchema.parse({ k: spec.k });
  const { itemEmbeddings, itemBias } = spec;
  const numItems = itemEmbeddings.rows;
  const dim = itemEmbeddings.cols;
  if (k > numItems) throw new RangeError(`buildDotScorerModel: k = ${k} exceeds the ${numItems} items; lower k`);
  if (itemBias && itemBias.length !== numItems) {
    throw new RangeError(`buildDotScorerModel: itemBias has ${itemBias.length} values, expected one per item (${numItems})`);
  }
  const n = DOT_SCORER_NAMES;
  const initializer: onnx.ITensorProto[] = [
    float32Tensor('item_emb', [numItems, dim], itemEmbeddings.data),
    int64Tensor('k', [k]),
    int64Tensor('zero', [0]),
    int64Tensor('one', [1]),
  ];
  if (itemBias) initializer.push(float32Tensor('item_bias', [numItems], itemBias));
  const minusInfinity = float32Tensor('value', [1], Float32Array.of(Number.NEGATIVE_INFINITY));

  const node: onnx.INodeProto[] = [
    {
      opType: 'Gemm',
      input: [n.userEmbeddings, 'item_emb', ...(itemBias ? ['item_bias'] : [])],
      output: [n.scores],
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    },
    // One −∞ per seen pair: shape [seen] taken from seen_index.
    { opType: 'Shape', input: [n.seenIndex], output: ['seen_shape'] },
    { opType: 'Slice', input: ['seen_shape', 'zero', 'one'], output: ['seen_count'] },
    {
      opType: 'ConstantOfShape',
      input: ['seen_count'],
      output: ['seen_penalty'],
      attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: minusInfinity }],
    },
    // Duplicate pairs write the same −∞, so ScatterND's "duplicates are undefined" cannot bite.
    { opType: 'ScatterND', input: [n.scores, n.seenIndex, 'seen_penalty'], output: ['masked_scores'] },
    {
      opType: 'TopK',
      input: ['masked_scores', 'k'],
      output: [n.topScores, n.topItems],
      attribute: [
        { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
        { name: 'largest', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        { name: 'sorted', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
      ],
    },
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'assay',
    opsetImport: [{ domain: '', version: DOT_SCORER_OPSET }],
    graph: {
      name: 'dot_scorer',
      docString: `score(u, i) = user_emb[u]·item_emb[i]${itemBias ? ' + item_bias[i]' : ''}; top-${k} with seen items masked`,
      node,
      initializer,
      input: [
        tensorValueInfo(n.userEmbeddings, ElementType.FLOAT, ['batch', dim]),
        tensorValueInfo(n.seenIndex, ElementType.INT64, ['seen', 2]),
      ],
      output: [
        tensorValueInfo(n.scores, ElementType.FLOAT, ['batch', numItems]),
        tensorValueInfo(n.topScores, ElementType.FLOAT, ['batch', k]),
        tensorValueInfo(n.topItems, ElementType.INT64, ['batch', k]),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
