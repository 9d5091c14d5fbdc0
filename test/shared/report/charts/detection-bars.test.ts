import { describe, expect, it } from 'vitest';
import { detectionRows } from '../../../../shared/report/charts/detection-bars';

describe('detectionRows', () => {
  it('gives each method one AUC bar and one F1 bar', () => {
    expect(detectionRows([{ method: 'knn-shapley', auc: 0.84, f1: 0.56 }, { method: 'random', auc: 0.5, f1: 0.09 }])).toEqual([
      { method: 'knn-shapley', metric: 'AUC', value: 0.84 },
      { method: 'knn-shapley', metric: 'F1', value: 0.56 },
      { method: 'random', metric: 'AUC', value: 0.5 },
      { method: 'random', metric: 'F1', value: 0.09 },
    ]);
  });
});
