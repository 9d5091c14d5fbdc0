import { describe, expect, it } from 'vitest';
import { aggregateByUnit, unitOfRows } from '../../../shared/valuation/units';
import type { InteractionTable } from '../../../shared/data/types';

function table(user: number[], session: number[]): InteractionTable {
  const n = user.length;
  return {
    length: n,
    user: Int32Array.from(user),
    item: new Int32Array(n),
    ts: new Float64Array(n),
    type: new Uint8Array(n),
    session: Int32Array.from(session),
    relevance: new Float32Array(n),
    query: new Int32Array(n).fill(-1),
  };
}

describe('valuation units', () => {
  it('averages example values per session and broadcasts the mean back to every example', () => {
    const t = table([0, 0, 1, 1], [2, 0, 2, 2]);
    const result = aggregateByUnit(new Float64Array([1, 5, 2, 6]), unitOfRows(t, 'session'));
    expect(Array.from(result.units)).toEqual([0, 2]);
    expect(Array.from(result.unitValues)).toEqual([5, 3]);
    expect(Array.from(result.broadcast)).toEqual([3, 5, 3, 3]);
  });

  it('groups by user, and by interaction leaves values unchanged', () => {
    const t = table([1, 0, 1], [0, 1, 2]);
    expect(Array.from(aggregateByUnit(new Float64Array([1, 7, 3]), unitOfRows(t, 'user')).broadcast)).toEqual([2, 7, 2]);
    expect(Array.from(aggregateByUnit(new Float64Array([1, 7, 3]), unitOfRows(t, 'interaction')).broadcast)).toEqual([1, 7, 3]);
  });

  it('rejects session units on data that was not sessionized, naming the row', () => {
    expect(() => unitOfRows(table([0, 0], [0, -1]), 'session')).toThrow(/table\.session\[1\]: is -1/);
  });
});
