// ONNX graph of a BERT sentence encoder (sentence-transformers' Transformer → mean Pooling →
// Normalize), built directly from its safetensors weights as a ModelProto.
//   inputs:  input_ids [batch, seq] int64, attention_mask [batch, seq] int64 (1 = token, 0 = pad)
//   x        = LN(word_emb[ids] + pos_emb[0:seq] + type_emb[0])             token type 0 throughout
//   per layer (post-LN, as BERT):
//     x      = LN(x + attn(x) · W_o + b_o)     attn = softmax(q·kᵀ/√d_head + mask_bias) · v per head
//     x      = LN(x + gelu(x · W_i + b_i) · W_out + b_out)                   gelu(x) = x·Φ(x), via Erf
//   output:  sentence_embedding [batch, hidden] = normalize(Σ_t mask_t x_t / max(Σ_t mask_t, 1e-9))
//            normalize(v) = v / max(‖v‖₂, 1e-12)                              (torch F.normalize)
// Weights are PyTorch Linear layout (out, in) in the file and transposed here for MatMul; 1/√d_head
// is folded into the query weights. Padded keys get −10000 added before the softmax (BERT's own
// extended mask), which underflows their probability to exactly 0 in float32.
// Default-domain ops only: ONNX Runtime fuses what pays (Erf-Gelu + bias into BiasGelu), and its
// contrib Attention / SkipLayerNormalization kernels ran slower on short titles (decision 0016).

import { onnx } from 'onnx-proto';
import { z } from 'zod';
import { ElementType, float32Tensor, tensorValueInfo } from '../ml/onnx/tensor-proto';
import type { Float32Tensor } from './safetensors';

export const BERT_ENCODER_NAMES = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  sentenceEmbedding: 'sentence_embedding',
} as const;

/** LayerNormalization joined the default domain in opset 17. */
export const BERT_ENCODER_OPSET = 17;

/** The fields of a BERT config.json the graph depends on. */
export const bertConfigSchema = z.object({
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  layer_norm_eps: z.number().positive(),
  hidden_act: z.literal('gelu'),
  position_embedding_type: z.literal('absolute').default('absolute'),
});
export type BertConfig = z.infer<typeof bertConfigSchema>;

const AttributeType = onnx.AttributeProto.AttributeType;

export function buildBertEncoderModel(config: BertConfig, weights: ReadonlyMap<string, Float32Tensor>): Uint8Array {
  const { vocab_size: vocab, hidden_size: hidden, num_attention_heads: heads, intermediate_size: inner, layer_norm_eps: eps } = config;
  if (hidden % heads !== 0) throw new RangeError(`BERT config: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`);
  const headDim = hidden / heads;
  const n = BERT_ENCODER_NAMES;
  const g = new GraphBuilder();
  const weight = (name: string, shape: readonly number[]): Float32Array => {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`BERT weights: no tensor ${name}; expected a BERT model in sentence-transformers layout`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((dim, i) => dim !== shape[i])) {
      throw new Error(`BERT weights: ${name} has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
    return tensor.data;
  };
  /** A Linear layer's (out, in) weight as the (in, out) MatMul operand, optionally scaled. */
  const linear = (prefix: string, inDim: number, outDim: number, scale = 1): { w: string; b: string } => ({
    w: g.float(`${prefix}.w`, [inDim, outDim], transposed(weight(`${prefix}.weight`, [outDim, inDim]), outDim, inDim, scale)),
    b: g.float(`${prefix}.b`, [outDim], scaled(weight(`${prefix}.bias`, [outDim]), scale)),
  });
  const dense = (x: string, layer: { w: string; b: string }): string => g.op('Add', [g.op('MatMul', [x, layer.w]), layer.b]);
  const layerNorm = (x: string, prefix: string): string =>
    g.op('LayerNormalization', [x, g.float(`${prefix}.gamma`, [hidden], weight(`${prefix}.weight`, [hidden])), g.float(`${prefix}.beta`, [hidden], weight(`${prefix}.bias`, [hidden]))], {
      axis: -1,
      epsilon: eps,
    });

  // --- embeddings: the token-type row 0 is folded into the position table ---
  const positionPlusType = scaled(weight('embeddings.position_embeddings.weight', [config.max_position_embeddings, hidden]), 1);
  const typeRow = weight('embeddings.token_type_embeddings.weight', [weights.get('embeddings.token_type_embeddings.weight')?.shape[0] ?? 2, hidden]).subarray(0, hidden);
  for (let p = 0; p < config.max_position_embeddings; p++) for (let c = 0; c < hidden; c++) positionPlusType[p * hidden + c]! += typeRow[c]!;
  const wordEmb = g.float('word_emb', [vocab, hidden], weight('embeddings.word_embeddings.weight', [vocab, hidden]));
  const positionEmb = g.float('position_type_emb', [config.max_position_embeddings, hidden], positionPlusType);
  const seqLen = g.op('Shape', [n.inputIds], { start: 1, end: 2 });
  const positions = g.op('Slice', [positionEmb, g.int64('zero', [0]), seqLen, g.int64('axis0', [0])]);
  let x = layerNorm(g.op('Add', [g.op('Gather', [wordEmb, n.inputIds], { axis: 0 }), positions]), 'embeddings.LayerNorm');

  // --- mask: [batch, seq] int64 → additive bias [batch, 1, 1, seq] and pooling weights [batch, seq, 1] ---
  const maskFloat = g.op('Cast', [n.attentionMask], { to: ElementType.FLOAT });
  const maskBias = g.op('Mul', [g.op('Sub', [g.scalar('one', 1), maskFloat]), g.scalar('masked_bias', -10000)]);
  const keyBias = g.op('Reshape', [maskBias, g.int64('bias_shape', [0, 1, 1, -1])]);

  // [batch, seq, hidden] ↔ [batch, heads, seq, head_dim]
  const splitHeadsShape = g.int64('split_heads_shape', [0, 0, heads, headDim]);
  const mergeHeadsShape = g.int64('merge_heads_shape', [0, 0, hidden]);
  const toHeads = (t: string, perm: number[]): string => g.op('Transpose', [g.op('Reshape', [t, splitHeadsShape])], { perm });

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `encoder.layer.${layer}`;
    const q = toHeads(dense(x, linear(`${p}.attention.self.query`, hidden, hidden, 1 / Math.sqrt(headDim))), [0, 2, 1, 3]);
    const kT = toHeads(dense(x, linear(`${p}.attention.self.key`, hidden, hidden)), [0, 2, 3, 1]);
    const v = toHeads(dense(x, linear(`${p}.attention.self.value`, hidden, hidden)), [0, 2, 1, 3]);
    const probs = g.op('Softmax', [g.op('Add', [g.op('MatMul', [q, kT]), keyBias])], { axis: -1 });
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), mergeHeadsShape]);
    x = layerNorm(g.op('Add', [x, dense(context, linear(`${p}.attention.output.dense`, hidden, hidden))]), `${p}.attention.output.LayerNorm`);
    const pre = dense(x, linear(`${p}.intermediate.dense`, hidden, inner));
    const gelu = g.op('Mul', [g.op('Mul', [pre, g.scalar('half', 0.5)]), g.op('Add', [g.op('Erf', [g.op('Div', [pre, g.scalar('sqrt2', Math.SQRT2)])]), g.scalar('one', 1)])]);
    x = layerNorm(g.op('Add', [x, dense(gelu, linear(`${p}.output.dense`, inner, hidden))]), `${p}.output.LayerNorm`);
  }

  // --- mean pooling over real tokens, then L2 normalisation ---
  const tokenWeights = g.op('Unsqueeze', [maskFloat, g.int64('last_axis', [-1])]);
  const axis1 = g.int64('axis1', [1]);
  const summed = g.op('ReduceSum', [g.op('Mul', [x, tokenWeights]), axis1], { keepdims: 0 });
  const counts = g.op('Max', [g.op('ReduceSum', [maskFloat, axis1], { keepdims: 1 }), g.scalar('min_count', 1e-9)]);
  const mean = g.op('Div', [summed, counts]);
  const norm = g.op('Max', [g.op('ReduceL2', [mean], { axes: [1], keepdims: 1 }), g.scalar('min_norm', 1e-12)]);
  g.op('Div', [mean, norm], {}, n.sentenceEmbedding);

  return g.encode({
    name: 'bert_sentence_encoder',
    docString: `BERT sentence encoder: ${config.num_hidden_layers} layers, hidden ${hidden}, ${heads} heads; mean pooling over attention_mask, L2-normalised`,
    input: [tensorValueInfo(n.inputIds, ElementType.INT64, ['batch', 'seq']), tensorValueInfo(n.attentionMask, ElementType.INT64, ['batch', 'seq'])],
    output: [tensorValueInfo(n.sentenceEmbedding, ElementType.FLOAT, ['batch', hidden])],
  });
}

type AttributeValue = number | number[];

/** Collects nodes and initializers; every node output gets a fresh name unless one is given. */
class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers = new Map<string, onnx.ITensorProto>();
  private counter = 0;

  float(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.set(name, float32Tensor(name, dims, data));
    return name;
  }

  /** A float32 scalar initializer, shared by name. */
  scalar(name: string, value: number): string {
    if (!this.initializers.has(name)) this.float(name, [], Float32Array.of(value));
    return name;
  }

  int64(name: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values, BigInt);
    this.initializers.set(name, { name, dims: [values.length], dataType: ElementType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  op(opType: string, input: string[], attributes: Record<string, AttributeValue> = {}, output = `${opType.toLowerCase()}_${this.counter++}`): string {
    const attribute = Object.entries(attributes).map(([name, value]): onnx.IAttributeProto => {
      if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
      if (Number.isInteger(value) && name !== 'epsilon') return { name, type: AttributeType.INT, i: value };
      return { name, type: AttributeType.FLOAT, f: value };
    });
    this.nodes.push({ opType, input, output: [output], attribute });
    return output;
  }

  encode(graph: Pick<onnx.IGraphProto, 'name' | 'docString' | 'input' | 'output'>): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'assay',
      opsetImport: [{ domain: '', version: BERT_ENCODER_OPSET }],
      graph: { ...graph, node: this.nodes, initializer: [...this.initializers.values()] },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** (rows, cols) row-major → (cols, rows) row-major, times scale. */
function transposed(data: Float32Array, rows: number, cols: number, scale: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]! * scale;
  return out;
}

function scaled(data: Float32Array, scale: number): Float32Array {
  return data.map((value) => value * scale);
}
