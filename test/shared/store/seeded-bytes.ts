// Test helpers: large, reproducible byte streams that are generated on the fly (never held
// whole), a digesting sink, and a peak-RSS probe to prove the store streams.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 1024 * 1024;

/**
 * `totalBytes` pseudo-random bytes from xorshift32 (Marsaglia 2003) seeded with `seed`,
 * produced one 1 MiB chunk at a time. `digest()` is the sha256 of everything produced so far.
 * `failAfterBytes` makes the stream error once that many bytes were produced (an aborted put).
 */
export function seededByteStream(totalBytes: number, seed: number, options: { failAfterBytes?: number } = {}) {
  const hash = createHash('sha256');
  let state = seed >>> 0 || 1;
  let produced = 0;
  let finalDigest: string | undefined;
  async function* generate() {
    while (produced < totalBytes) {
      if (options.failAfterBytes !== undefined && produced >= options.failAfterBytes) {
        throw new Error(`seeded stream aborted on purpose after ${produced} bytes`);
      }
      const size = Math.min(CHUNK_BYTES, totalBytes - produced);
      const words = new Uint32Array(Math.ceil(size / 4));
      for (let i = 0; i < words.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      const chunk = Buffer.from(words.buffer, 0, size);
      hash.update(chunk);
      produced += size;
      yield chunk;
    }
  }
  return {
    stream: Readable.from(generate(), { objectMode: false }),
    /** sha256 of the bytes produced; call once the stream has been consumed */
    digest(): string {
      finalDigest ??= hash.digest('hex');
      return finalDigest;
    },
    produced: () => produced,
  };
}

/** Consumes a stream, returning the sha256 and size of what it yielded (never buffering it). */
export async function digestOf(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Samples process RSS every few milliseconds while `work` runs; returns the peak growth. */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

export const MiB = 1024 * 1024;
