// ONNX graph of the trained model's final scorer, built directly as a ModelProto (no Python):
//   scores[b, i]  = user_emb[b] · item_emb[i] (+ item_bias[i])        Gemm, transB = 1
//   top_scores, top_items = TopK(scores, candidates), largest first; ONNX TopK breaks ties by
//                           the lower index, the same order as shared/eval/topk.ts
// Inputs: user_emb [batch, d] float32, candidates [1] int64.
// Outputs: scores [batch, items], top_scores [batch, candidates], top_items [batch, candidates] int64.
// Seen items are not masked in the graph: for the top k unseen items of a row, ask for
// candidates = k + (most distinct items any row of the batch has seen) and drop the seen ones
// (recommendTopK does). A ScatterND of −∞ into the scores would copy the whole
// [batch × items] block once more — a third pass over memory next to Gemm's write and TopK's
// read, at d = 64 where scoring is memory-bound (docs/decisions/0012-scorer-topk-seen-in-js.md).

import { onnx } from 'onnx-proto';
import { z } from 'zod';
import type { Matrix } from '../../data/types';
import { ElementType, float32Tensor, tensorValueInfo } from './tensor-proto';

export const DOT_SCORER_NAMES = {
  userEmbeddings: 'user_emb',
  candidates: 'candidates',
  scores: 'scores',
  topScores: 'top_scores',
  topItems: 'top_items',
} as const;

/** ONNX opset of the default domain; 15 is the newest the onnx-proto v1.10 schema knows. */
export const DOT_SCORER_OPSET = 15;

export const dotScorerConfigSchema = z.object({
  /** the k the scorer is built for (checked against the catalogue; recorded in the graph's doc) */
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
  const initializer: onnx.ITensorProto[] = [float32Tensor('item_emb', [numItems, dim], itemEmbeddings.data)];
  if (itemBias) initializer.push(float32Tensor('item_bias', [numItems], itemBias));

  const node: onnx.INodeProto[] = [
    {
      opType: 'Gemm',
      input: [n.userEmbeddings, 'item_emb', ...(itemBias ? ['item_bias'] : [])],
      output: [n.scores],
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    },
    {
      opType: 'TopK',
      input: [n.scores, n.candidates],
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
      docString: `score(u, i) = user_emb[u]·item_emb[i]${itemBias ? ' + item_bias[i]' : ''}; top-${k} unseen items = the first ${k} of the top (${k} + seen count) candidates that the user has not seen`,
      node,
      initializer,
      input: [
        tensorValueInfo(n.userEmbeddings, ElementType.FLOAT, ['batch', dim]),
        tensorValueInfo(n.candidates, ElementType.INT64, [1]),
      ],
      output: [
        tensorValueInfo(n.scores, ElementType.FLOAT, ['batch', numItems]),
        tensorValueInfo(n.topScores, ElementType.FLOAT, ['batch', 'candidates']),
        tensorValueInfo(n.topItems, ElementType.INT64, ['batch', 'candidates']),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
