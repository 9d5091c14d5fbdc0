// A digest of the typed arrays a run trains on, stored in checkpoints so a resume against
// different data is refused instead of silently mixing two datasets.
import { createHash } from 'node:crypto';

type Numeric = Int32Array | Float32Array | Float64Array | Uint8Array;

export function fingerprintArrays(parts: ReadonlyArray<Numeric | number | string | undefined>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    if (part === undefined) hash.update('∅');
    else if (typeof part === 'number' || typeof part === 'string') hash.update(`${typeof part}:${part};`);
    else hash.update(Buffer.from(part.buffer, part.byteOffset, part.byteLength)).update(`;${part.constructor.name}:${part.length};`);
  }
  return hash.digest('hex');
}
