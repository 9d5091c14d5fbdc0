import { describe, expect, it } from 'vitest';
import { Random } from '../../../shared/random';
import { epochBatches, LENGTH_CHUNK_BATCHES } from '../../../shared/ml/training-loop';

const padded = (batches: Int32Array[], lengths: Int32Array) =>
  batches.reduce((sum, b) => sum + b.length * Math.max(...Array.from(b, (s) => lengths[s]!)), 0);

describe('epochBatches', () => {
  const n = 5000;
  const batchSize = 64;
  // short-history data: most rows short, a few long (Amazon Beauty's shape)
  const lengths = Int32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 50 : 2 + (i % 9)));

  it('covers every sample exactly once, in batches of at most batchSize, with and without lengths', () => {
    for (const lengthOf of [undefined, (s: number) => lengths[s]!]) {
      const batches = epochBatches(n, batchSize, new Random(7), lengthOf);
      const seen = new Uint8Array(n);
      for (const b of batches) {
        expect(b.length).toBeGreaterThan(0);
        expect(b.length).toBeLessThanOrEqual(batchSize);
        for (const s of b) seen[s]! += 1;
      }
      expect(seen.every((c) => c === 1)).toBe(true);
    }
  });

  it('groups similar lengths so batches carry far less padding than a plain shuffle', () => {
    const plain = padded(epochBatches(n, batchSize, new Random(7)), lengths);
    const bucketed = padded(epochBatches(n, batchSize, new Random(7), (s) => lengths[s]!), lengths);
    const real = lengths.reduce((a, b) => a + b, 0);
    expect(plain / real).toBeGreaterThan(5);
    expect(bucketed / real).toBeLessThan(1.5);
  });

  it('repeats for the same generator state and mixes chunks across epochs', () => {
    const a = epochBatches(n, batchSize, new Random(3), (s) => lengths[s]!);
    const b = epochBatches(n, batchSize, new Random(3), (s) => lengths[s]!);
    expect(a.map((x) => Array.from(x))).toEqual(b.map((x) => Array.from(x)));
    const c = epochBatches(n, batchSize, new Random(4), (s) => lengths[s]!);
    expect(c.map((x) => Array.from(x))).not.toEqual(a.map((x) => Array.from(x)));
    // batch order is shuffled: the longest-length batches of the chunks are not all adjacent
    const longest = a.map((batch) => Math.max(...Array.from(batch, (s) => lengths[s]!)));
    const sortedRuns = longest.filter((l, i) => i > 0 && l >= longest[i - 1]!).length;
    expect(sortedRuns).toBeLessThan(longest.length - LENGTH_CHUNK_BATCHES);
  });
});
