// The two seeded streams are what every seed in the project reproduces (weights, splits,
// samples, valuations): their first draws are pinned, and the interface draws from each alike.
import { describe, expect, it } from 'vitest';
import { Random, Sfc32, type Rng } from '../../../shared/random';

const first = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('the seeded streams', () => {
  it('mulberry32 (Random) and sfc32 (Sfc32) start where they always have for a seed', () => {
    expect(first(new Random(1), 3)).toEqual([711699459, 1679400207, 1692264768]);
    expect(first(new Sfc32(1), 3)).toEqual([1828152527, 3394835397, 2967886022]);
  });

  it('are different streams for the same seed, each the same on every run', () => {
    expect(first(new Random(7), 8)).not.toEqual(first(new Sfc32(7), 8));
    expect(first(new Random(7), 8)).toEqual(first(new Random(7), 8));
    expect(first(new Sfc32(7), 8)).toEqual(first(new Sfc32(7), 8));
  });

  it('draw through one interface: floats, integers and samples from the stream, a fork of the same kind', () => {
    for (const make of [(s: number) => new Random(s), (s: number) => new Sfc32(s)]) {
      const a = make(3);
      const b = make(3);
      expect(a.next()).toBe(b.nextUint32() / 4294967296);
      expect(a.int(10)).toBe(Math.floor(b.next() * 10));
      expect(a.fork()).toBeInstanceOf(make(0).constructor);
      const sample = make(5).sampleIndices(20, 20);
      expect([...sample].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(() => a.int(0)).toThrow(/n must be positive, got 0/);
      expect(() => make(Number.NaN)).toThrow(/seed must be a finite number/);
    }
  });
});
