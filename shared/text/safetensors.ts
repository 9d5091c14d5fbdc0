// Reader for the safetensors format (huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header mapping each tensor name to {dtype, shape, data_offsets} (offsets
// relative to the end of the header), then the raw little-endian tensor bytes.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { issueList } from '../config/zod-issues';

const tensorEntrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});
const headerSchema = z.record(z.string(), z.unknown());

export interface Float32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The float32 tensors of a safetensors file by name; tensors of other dtypes are skipped. */
export async function readSafetensorsFloat32(filePath: string): Promise<Map<string, Float32Tensor>> {
  return parseSafetensorsFloat32(await readFile(filePath), filePath);
}

export function parseSafetensorsFloat32(bytes: Uint8Array, source = 'safetensors'): Map<string, Float32Tensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) throw new Error(`${source}: ${bytes.byteLength} bytes is too short for a safetensors file`);
  const headerLength = Number(view.getBigUint64(0, true));
  const dataStart = 8 + headerLength;
  if (dataStart > bytes.byteLength) throw new Error(`${source}: header length ${headerLength} runs past the end of the file; the file is truncated or not safetensors`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    throw new Error(`${source}: the header is not JSON (${(error as Error).message}); the file is not safetensors`, { cause: error });
  }
  const tensors = new Map<string, Float32Tensor>();
  for (const [name, raw] of Object.entries(headerSchema.parse(json))) {
    if (name === '__metadata__') continue;
    const parsed = tensorEntrySchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${source}: tensor ${name}: ${issueList(parsed.error)}`);
    const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
    if (dtype !== 'F32') continue;
    const count = shape.reduce((product, dim) => product * dim, 1);
    if (end - begin !== count * 4 || dataStart + end > bytes.byteLength) {
      throw new Error(`${source}: tensor ${name} [${shape.join(', ')}] spans bytes ${begin}..${end}, which does not fit its shape or the file`);
    }
    // copied: the slice may not be 4-byte aligned, and the caller should not pin the whole file
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape, data });
  }
  return tensors;
}
