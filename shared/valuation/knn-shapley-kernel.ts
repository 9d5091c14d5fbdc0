// The hot path of exact KNN-Shapley, on typed arrays only, shared by the main thread and the
// worker threads so both paths run the same arithmetic in the same order.
//
// Jia et al., "Efficient Task-Specific Data Valuation for Nearest Neighbor Algorithms",
// VLDB 2019, Theorem 1. For a validation point t with training points sorted by distance
// (1-indexed, nearest first):
//   s_N = 1[y_N = y_t] / N
//   s_i = s_{i+1} + (1[y_i = y_t] − 1[y_{i+1} = y_t]) / K · min(K, i) / i
//
// Distances: ||a − b||² = ||a||² + ||b||² − 2a·b. For one validation point b, ||b||² is the
// same for every training point, so the ranking key ||a||² − 2a·b sorts identically and
// saves a pass; keys are float32 (like the embeddings) and ties go to the lower index.
import { OnnxBlockDotProducts } from './dot-products-onnx';

/** Everything a kernel call reads; typed arrays may sit on SharedArrayBuffers. */
export interface KnnShapleyKernelInput {
  readonly train: Float32Array; // N × dim, row-major
  readonly trainLabels: Int32Array; // N
  readonly valid: Float32Array; // M × dim, row-major
  readonly validLabels: Int32Array; // M
  readonly dim: number;
  readonly k: number;
  /** validation points whose ranking keys are computed together (memory: blockSize × N floats) */
  readonly blockSize: number;
}

export function squaredRowNorms(data: Float32Array, rows: number, dim: number): Float32Array {
  const norms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * dim;
    for (let c = 0; c < dim; c++) s += data[o + c]! * data[o + c]!;
    norms[r] = s;
  }
  return norms;
}

/**
 * keys[v·N + j] = ||train_j||² − 2·train_j·valid_(vStart+v) for v < vCount.
 * Four validation rows share each load of a training row (they stay in L1 while the
 * training matrix streams through once per block).
 */
export function rankingKeysBlock(
  train: Float32Array,
  trainNorms: Float32Array,
  valid: Float32Array,
  dim: number,
  vStart: number,
  vCount: number,
  keys: Float32Array,
): void {
  const n = trainNorms.length;
  let v = 0;
  for (; v + 4 <= vCount; v += 4) {
    const b0 = (vStart + v) * dim;
    const b1 = b0 + dim;
    const b2 = b1 + dim;
    const b3 = b2 + dim;
    const k0 = v * n;
    const k1 = k0 + n;
    const k2 = k1 + n;
    const k3 = k2 + n;
    for (let j = 0; j < n; j++) {
      const a = j * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < dim; c++) {
        const x = train[a + c]!;
        s0 += x * valid[b0 + c]!;
        s1 += x * valid[b1 + c]!;
        s2 += x * valid[b2 + c]!;
        s3 += x * valid[b3 + c]!;
      }
      const norm = trainNorms[j]!;
      // `+ 0` turns −0 into +0 so the two zeros sort as one value
      keys[k0 + j] = norm - 2 * s0 + 0;
      keys[k1 + j] = norm - 2 * s1 + 0;
      keys[k2 + j] = norm - 2 * s2 + 0;
      keys[k3 + j] = norm - 2 * s3 + 0;
    }
  }
  for (; v < vCount; v++) {
    const b = (vStart + v) * dim;
    const kv = v * n;
    for (let j = 0; j < n; j++) {
      const a = j * dim;
      let s = 0;
      for (let c = 0; c < dim; c++) s += train[a + c]! * valid[b + c]!;
      keys[kv + j] = trainNorms[j]! - 2 * s + 0;
    }
  }
}

/** Reusable buffers for argsortFloat32 over n keys (4n words + histograms). */
export class RadixScratch {
  readonly keysA: Uint32Array;
  readonly keysB: Uint32Array;
  readonly orderA: Int32Array;
  readonly orderB: Int32Array;
  readonly histogram = new Uint32Array(3 * 2048);
  constructor(readonly n: number) {
    this.keysA = new Uint32Array(n);
    this.keysB = new Uint32Array(n);
    this.orderA = new Int32Array(n);
    this.orderB = new Int32Array(n);
  }
}

/**
 * Stable LSD radix argsort of float32 keys (3 passes of 11/11/10 bits). Floats map to
 * unsigned integers that order the same way (flip all bits of negatives, set the sign bit of
 * positives); stability with an ascending start order breaks ties by lower index.
 * Returns a view into scratch: valid until the next call with the same scratch.
 */
export function argsortFloat32(keys: Float32Array, scratch: RadixScratch): Int32Array {
  const n = keys.length;
  const bits = new Uint32Array(keys.buffer, keys.byteOffset, n);
  let srcKeys = scratch.keysA;
  let dstKeys = scratch.keysB;
  let srcOrder = scratch.orderA;
  let dstOrder = scratch.orderB;
  const hist = scratch.histogram;
  hist.fill(0);
  for (let i = 0; i < n; i++) {
    const u = bits[i]!;
    const s = (u & 0x80000000 ? ~u : u | 0x80000000) >>> 0;
    srcKeys[i] = s;
    srcOrder[i] = i;
    hist[s & 0x7ff]!++;
    hist[2048 + ((s >>> 11) & 0x7ff)]!++;
    hist[4096 + (s >>> 22)]!++;
  }
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * 2048;
    const shift = pass * 11;
    // a digit where every key falls in one bucket would copy the data unchanged: skip it
    if (hist[base + ((srcKeys[0]! >>> shift) & 0x7ff)] === n) continue;
    let total = 0;
    for (let b = 0; b < 2048; b++) {
      const count = hist[base + b]!;
      hist[base + b] = total;
      total += count;
    }
    for (let i = 0; i < n; i++) {
      const s = srcKeys[i]!;
      const at = hist[base + ((s >>> shift) & 0x7ff)]!++;
      dstKeys[at] = s;
      dstOrder[at] = srcOrder[i]!;
    }
    const tk = srcKeys;
    srcKeys = dstKeys;
    dstKeys = tk;
    const to = srcOrder;
    srcOrder = dstOrder;
    dstOrder = to;
  }
  return srcOrder;
}

/** Adds one validation point's KNN-Shapley values (Jia et al. Theorem 1) into `sums`. */
export function accumulateShapley(order: Int32Array, trainLabels: Int32Array, target: number, k: number, sums: Float64Array): void {
  const n = order.length;
  // position p (0-based) holds the (p+1)-th nearest point
  const last = order[n - 1]!;
  let nextMatch = trainLabels[last] === target ? 1 : 0;
  let s = nextMatch / n;
  sums[last]! += s;
  for (let i = n - 1; i >= 1; i--) {
    const current = order[i - 1]!;
    const match = trainLabels[current] === target ? 1 : 0;
    s += ((match - nextMatch) / k) * (Math.min(k, i) / i);
    sums[current]! += s;
    nextMatch = match;
  }
}

/** How block dot products are computed: native MLAS through onnxruntime-node, or the JS loop. */
export type DotProductBackend = 'onnxruntime' | 'js';

/**
 * Sum over validation points vStart..vEnd-1 of their KNN-Shapley value vectors. Memory:
 * blockSize × N float32 keys plus the sort buffers, never N × M.
 */
export async function knnShapleySums(
  input: KnnShapleyKernelInput,
  vStart: number,
  vEnd: number,
  backend: DotProductBackend,
  onBlock?: (done: number) => void,
): Promise<Float64Array> {
  const { train, trainLabels, valid, validLabels, dim, k } = input;
  const n = trainLabels.length;
  const sums = new Float64Array(n);
  const norms = squaredRowNorms(train, n, dim);
  const blockSize = Math.max(1, Math.min(input.blockSize, vEnd - vStart));
  const scratch = new RadixScratch(n);
  const onnxProducts = backend === 'onnxruntime' ? await OnnxBlockDotProducts.create(train, n, dim) : undefined;
  const jsKeys = onnxProducts ? undefined : new Float32Array(blockSize * n);
  try {
    for (let v0 = vStart; v0 < vEnd; v0 += blockSize) {
      const count = Math.min(blockSize, vEnd - v0);
      let keys: Float32Array;
      if (onnxProducts) {
        keys = await onnxProducts.products(valid, v0, count);
        for (let v = 0; v < count; v++) {
          const o = v * n;
          for (let j = 0; j < n; j++) keys[o + j] = norms[j]! - 2 * keys[o + j]! + 0;
        }
      } else {
        keys = jsKeys!;
        rankingKeysBlock(train, norms, valid, dim, v0, count, keys);
      }
      for (let v = 0; v < count; v++) {
        const order = argsortFloat32(keys.subarray(v * n, (v + 1) * n), scratch);
        accumulateShapley(order, trainLabels, validLabels[v0 + v]!, k, sums);
      }
      onBlock?.(v0 + count - vStart);
    }
  } finally {
    await onnxProducts?.dispose();
  }
  return sums;
}
