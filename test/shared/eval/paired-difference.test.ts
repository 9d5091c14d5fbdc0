import { describe, expect, it } from 'vitest';
import { pairedDifference, Z_95 } from '../../../shared/eval/paired-difference';

describe('pairedDifference', () => {
  it('matches a hand-computed paired interval: d = (0.2, 0, 0.1, 0.3), mean 0.15, sd √(0.05/3)', () => {
    const users = Int32Array.from([0, 1, 2, 3]);
    const r = pairedDifference(users, Float32Array.from([0.5, 0.25, 0.5, 0.75]), users, Float32Array.from([0.3, 0.25, 0.4, 0.45]));
    const half = (Z_95 * Math.sqrt(0.05 / 3)) / 2;
    expect(r.users).toBe(4);
    expect(r.meanA).toBeCloseTo(0.5, 6);
    expect(r.meanB).toBeCloseTo(0.35, 6);
    expect(r.difference).toBeCloseTo(0.15, 6);
    expect(r.low).toBeCloseTo(0.15 - half, 6);
    expect(r.high).toBeCloseTo(0.15 + half, 6);
  });

  it('pairs users by id, not by position, and leaves out users one run lacks or scored NaN', () => {
    const r = pairedDifference(Int32Array.from([7, 3, 5]), Float32Array.from([1, 0.5, Number.NaN]), Int32Array.from([3, 7, 9]), Float32Array.from([0.25, 0.5, 1]));
    expect(r.users).toBe(2);
    expect(r.difference).toBeCloseTo((0.5 + 0.25) / 2, 6);
  });

  it('gives a zero-width interval when every user moves by the same amount', () => {
    const users = Int32Array.from([0, 1, 2]);
    const r = pairedDifference(users, Float32Array.from([0.5, 0.75, 1]), users, Float32Array.from([0.25, 0.5, 0.75]));
    expect(r.low).toBeCloseTo(0.25, 6);
    expect(r.high).toBeCloseTo(0.25, 6);
  });

  it('has no interval with a single user and no mean with none', () => {
    const one = pairedDifference(Int32Array.from([1]), Float32Array.from([1]), Int32Array.from([1]), Float32Array.from([0]));
    expect(one.difference).toBe(1);
    expect(Number.isNaN(one.low)).toBe(true);
    expect(pairedDifference(new Int32Array(0), new Float32Array(0), new Int32Array(0), new Float32Array(0)).users).toBe(0);
  });
});
