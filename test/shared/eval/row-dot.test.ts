import { describe, expect, it } from 'vitest';
import { dotEveryRow, rowDotScorer } from '../../../shared/eval/row-dot';

const items = { rows: 3, cols: 2, data: Float32Array.from([1, 0, 0, 2, 1.5, -1]) };

describe('dotEveryRow', () => {
  it('scores a vector against every row, and a scorer picks its query row', () => {
    const out = new Float64Array(3);
    dotEveryRow([2, 3], items, out);
    expect(Array.from(out)).toEqual([2, 6, 0]);
    const queries = { rows: 2, cols: 2, data: Float32Array.from([0, 0, 1, 1]) };
    const scores = new Float32Array(3);
    rowDotScorer(queries, items)(1, scores);
    expect(Array.from(scores)).toEqual([1, 2, 0.5]);
  });

  it('refuses a vector of another width or too little room for the scores', () => {
    expect(() => dotEveryRow([1, 2, 3], items, new Float64Array(3))).toThrow(/a vector of 3 against rows of 2/);
    expect(() => dotEveryRow([1, 2], items, new Float64Array(2))).toThrow(/room for 2 scores, 3 rows/);
  });
});
