// Typed arrays as little-endian binary files: how per-example values, selections and weights
// travel between steps without JSON's size or float formatting.
import { readFile, writeFile } from 'node:fs/promises';

type Typed = Float64Array | Float32Array | Int32Array;

export async function writeTyped(file: string, data: Typed): Promise<void> {
  await writeFile(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

async function readBytes(file: string, width: number): Promise<ArrayBuffer> {
  const bytes = await readFile(file);
  if (bytes.byteLength % width !== 0) throw new Error(`${file}: ${bytes.byteLength} bytes is not a whole number of ${width}-byte values; the artifact is truncated`);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export const readFloat64 = async (file: string) => new Float64Array(await readBytes(file, 8));
export const readFloat32 = async (file: string) => new Float32Array(await readBytes(file, 4));
export const readInt32 = async (file: string) => new Int32Array(await readBytes(file, 4));
