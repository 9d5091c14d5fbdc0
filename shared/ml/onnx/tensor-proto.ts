// Small builders over the ONNX protobuf messages (onnx-proto, ONNX v1.10 schema) so model code
// reads like the graph it describes, plus the on-disk form of exported embedding matrices: a
// serialized TensorProto (what onnx.load_tensor / numpy_helper.to_array read).

import { onnx } from 'onnx-proto';
import type { Matrix } from '../../data/types';

export const ElementType = onnx.TensorProto.DataType;

/** A float32 initializer stored as little-endian raw bytes. */
export function float32Tensor(name: string, dims: readonly number[], data: Float32Array): onnx.ITensorProto {
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (data.length !== expected) throw new RangeError(`tensor ${name}: ${data.length} values for dims [${dims.join(', ')}] (needs ${expected})`);
  return { name, dims: [...dims], dataType: ElementType.FLOAT, rawData: littleEndianBytes(data) };
}

/** A graph input/output; a string dim is symbolic (e.g. 'batch'). */
export function tensorValueInfo(name: string, elemType: onnx.TensorProto.DataType, dims: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

/** Serialize a row-major matrix (e.g. item embeddings) as a standalone TensorProto. */
export function encodeMatrixTensor(name: string, matrix: Matrix): Uint8Array {
  return onnx.TensorProto.encode(float32Tensor(name, [matrix.rows, matrix.cols], matrix.data)).finish();
}

/** Read back what encodeMatrixTensor wrote; rejects anything but a 2-D float32 tensor. */
export function decodeMatrixTensor(bytes: Uint8Array): { name: string; matrix: Matrix } {
  const tensor = onnx.TensorProto.decode(bytes);
  const dims = tensor.dims.map(Number);
  if (tensor.dataType !== ElementType.FLOAT || dims.length !== 2) {
    throw new RangeError(`decodeMatrixTensor: expected a 2-D float32 TensorProto, got dataType ${tensor.dataType} with dims [${dims.join(', ')}]`);
  }
  const [rows, cols] = dims as [number, number];
  const raw = tensor.rawData;
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(raw.subarray(0, data.byteLength));
  if (raw.byteLength !== data.byteLength) throw new RangeError(`decodeMatrixTensor: ${raw.byteLength} raw bytes for ${rows}×${cols} float32`);
  return { name: tensor.name, matrix: { rows, cols, data } };
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  // Typed arrays use the platform byte order; ONNX raw_data is little-endian, as is every host we run on.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}
