import { describe, expect, it } from 'vitest';
import { removalRows } from '../../../../shared/report/charts/point-removal';

describe('removalRows', () => {
  it('groups curve points by method and order and sorts them by fraction removed', () => {
    const rows = removalRows([
      { method: 'knn-shapley', order: 'random', fractionRemoved: 0.2, ndcg10: 0.064 },
      { method: 'knn-shapley', order: 'highest', fractionRemoved: 0.2, ndcg10: 0.051 },
      { method: 'knn-shapley', order: 'lowest', fractionRemoved: 0.2, ndcg10: 0.07 },
      { method: 'knn-shapley', order: 'lowest', fractionRemoved: 0, ndcg10: 0.066 },
      { method: 'data-oob', order: 'lowest', fractionRemoved: 0, ndcg10: 0.066 },
    ]);
    expect(rows.map((r) => [r.method, r.order, r.fractionRemoved, r.ndcg10])).toEqual([
      ['knn-shapley', 'lowest', 0, 0.066],
      ['knn-shapley', 'lowest', 0.2, 0.07],
      ['knn-shapley', 'highest', 0.2, 0.051],
      ['knn-shapley', 'random', 0.2, 0.064],
      ['data-oob', 'lowest', 0, 0.066],
    ]);
    expect(rows[0]?.orderLabel).toBe('lowest value first');
  });
});
