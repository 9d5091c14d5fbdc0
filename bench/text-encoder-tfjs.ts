// The same BERT sentence encoder (shared/text/bert-onnx-graph.ts has the formulas) as a
// TensorFlow.js forward pass, kept only so the text-encoder bench can time the runtime Assay did
// not pick (docs/decisions/0002-text-encoder-runtime.md). Inputs are the same token id rows.
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../shared/text/bert-onnx-graph';
import type { Float32Tensor } from '../shared/text/safetensors';

export interface TfjsBert {
  /** padded rows → [batch, hidden] L2-normalised embeddings */
  encodeBatch(rows: readonly number[][]): Promise<Float32Array>;
}

export function buildTfjsBert(config: BertConfig, weights: ReadonlyMap<string, Float32Tensor>): TfjsBert {
  const { hidden_size: hidden, num_attention_heads: heads, layer_norm_eps: eps } = config;
  const headDim = hidden / heads;
  const tensor = (name: string): tf.Tensor => {
    const entry = weights.get(name);
    if (!entry) throw new Error(`no tensor ${name}`);
    return tf.tensor(entry.data, [...entry.shape]);
  };
  // (out, in) Linear weights → (in, out), transposed once here so every call is a plain matMul
  const linear = (prefix: string) => ({ w: tf.transpose(tensor(`${prefix}.weight`)), b: tensor(`${prefix}.bias`) });
  const norm = (prefix: string) => ({ gamma: tensor(`${prefix}.weight`), beta: tensor(`${prefix}.bias`) });
  const wordEmb = tensor('embeddings.word_embeddings.weight');
  const positionType = tf.add(tensor('embeddings.position_embeddings.weight'), tf.slice(tensor('embeddings.token_type_embeddings.weight'), [0, 0], [1, hidden]));
  const embNorm = norm('embeddings.LayerNorm');
  const layers = Array.from({ length: config.num_hidden_layers }, (_, l) => {
    const p = `encoder.layer.${l}`;
    return {
      q: linear(`${p}.attention.self.query`),
      k: linear(`${p}.attention.self.key`),
      v: linear(`${p}.attention.self.value`),
      o: linear(`${p}.attention.output.dense`),
      attnNorm: norm(`${p}.attention.output.LayerNorm`),
      inner: linear(`${p}.intermediate.dense`),
      out: linear(`${p}.output.dense`),
      outNorm: norm(`${p}.output.LayerNorm`),
    };
  });
  const layerNorm = (x: tf.Tensor2D, { gamma, beta }: { gamma: tf.Tensor; beta: tf.Tensor }): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
  };
  const dense = (x: tf.Tensor2D, { w, b }: { w: tf.Tensor; b: tf.Tensor }): tf.Tensor2D => tf.add(tf.matMul(x, w as tf.Tensor2D), b);

  return {
    async encodeBatch(rows) {
      const batch = rows.length;
      const seq = rows.reduce((max, row) => Math.max(max, row.length), 0);
      const ids = new Int32Array(batch * seq);
      const mask = new Float32Array(batch * seq);
      rows.forEach((row, r) => row.forEach((id, t) => ((ids[r * seq + t] = id), (mask[r * seq + t] = 1))));
      const out = tf.tidy(() => {
        const maskT = tf.tensor2d(mask, [batch, seq]);
        const keyBias = tf.reshape(tf.mul(tf.sub(1, maskT), -10000), [batch, 1, 1, seq]);
        const positions = tf.tile(tf.slice(positionType, [0, 0], [seq, hidden]), [batch, 1]);
        let x = layerNorm(tf.add(tf.gather(wordEmb, tf.tensor1d(ids, 'int32')), positions), embNorm);
        const toHeads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [batch, seq, heads, headDim]), [0, 2, 1, 3]);
        for (const layer of layers) {
          const q = toHeads(tf.mul(dense(x, layer.q), 1 / Math.sqrt(headDim)));
          const k = toHeads(dense(x, layer.k));
          const v = toHeads(dense(x, layer.v));
          const probs = tf.softmax(tf.add(tf.matMul(q, tf.transpose(k, [0, 1, 3, 2])), keyBias));
          const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [batch * seq, hidden]) as tf.Tensor2D;
          x = layerNorm(tf.add(x, dense(context, layer.o)), layer.attnNorm);
          const pre = dense(x, layer.inner);
          const gelu = tf.mul(tf.mul(pre, 0.5), tf.add(tf.erf(tf.div(pre, Math.SQRT2)), 1)) as tf.Tensor2D;
          x = layerNorm(tf.add(x, dense(gelu, layer.out)), layer.outNorm);
        }
        const summed = tf.sum(tf.mul(tf.reshape(x, [batch, seq, hidden]), tf.reshape(maskT, [batch, seq, 1])), 1);
        const mean = tf.div(summed, tf.maximum(tf.sum(maskT, 1, true), 1e-9));
        return tf.div(mean, tf.maximum(tf.norm(mean, 'euclidean', 1, true), 1e-12));
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
  };
}
