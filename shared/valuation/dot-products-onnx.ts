// Block dot products through onnxruntime-node: a one-node ONNX graph, Gemm(V, T, transB=1),
// so MLAS's vectorized kernels do the 2·M·N·d multiply-adds, an order of magnitude faster than
// the JS loop in knn-shapley-kernel.ts (docs/performance.md), which stays as the fallback when
// the native binding cannot load.
import type { InferenceSession } from 'onnxruntime-node';
import { onnx } from 'onnx-proto';

const FLOAT = 1; // onnx.TensorProto.DataType.FLOAT

function gemmModel(dim: number): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'block_dot_products',
      node: [{ opType: 'Gemm', input: ['V', 'T'], output: ['P'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      input: [
        { name: 'V', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'b' }, { dimValue: dim }] } } } },
        { name: 'T', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'n' }, { dimValue: dim }] } } } },
      ],
      output: [{ name: 'P', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'b' }, { dimParam: 'n' }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Computes P = V · Tᵀ for a block of validation rows V against all training rows T. */
export class OnnxBlockDotProducts {
  private constructor(
    private readonly session: InferenceSession,
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly trainTensor: import('onnxruntime-node').Tensor,
    private readonly dim: number,
  ) {}

  /** Loads the native runtime; throws if it cannot (callers fall back to the JS kernel). */
  static async create(train: Float32Array, rows: number, dim: number): Promise<OnnxBlockDotProducts> {
    const ort = await import('onnxruntime-node');
    // one intra-op thread: parallelism comes from worker threads splitting validation points
    const session = await ort.InferenceSession.create(gemmModel(dim), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    // onnxruntime copies input data; a SharedArrayBuffer-backed view is passed as a plain copy once
    const owned = train.buffer instanceof ArrayBuffer ? train : new Float32Array(train);
    return new OnnxBlockDotProducts(session, ort, new ort.Tensor('float32', owned, [rows, dim]), dim);
  }

  /** Returns vCount × N dot products (row-major) for validation rows vStart..vStart+vCount-1. */
  async products(valid: Float32Array, vStart: number, vCount: number): Promise<Float32Array> {
    const block = valid.slice(vStart * this.dim, (vStart + vCount) * this.dim);
    const out = await this.session.run({ V: new this.ort.Tensor('float32', block, [vCount, this.dim]), T: this.trainTensor });
    return out['P']!.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
