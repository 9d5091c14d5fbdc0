import { describe, expect, it } from 'vitest';
import { rejectRows } from '../../../../shared/report/charts/rejects-bars';

describe('rejectRows', () => {
  it('merges repeated reasons, drops zero counts and puts the largest first', () => {
    const rows = rejectRows({
      byReason: [
        { reason: 'rating outside 1–5', count: 10 },
        { reason: 'unknown item_id', count: 40 },
        { reason: 'rating outside 1–5', count: 35 },
        { reason: 'malformed row', count: 0 },
        { reason: 'bad timestamp', count: 40 },
      ],
      examples: [],
    });
    expect(rows).toEqual([
      { reason: 'rating outside 1–5', count: 45 },
      { reason: 'bad timestamp', count: 40 },
      { reason: 'unknown item_id', count: 40 },
    ]);
  });
});
