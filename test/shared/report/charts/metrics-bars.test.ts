import { describe, expect, it } from 'vitest';
import { metricRows, modelColors } from '../../../../shared/report/charts/metrics-bars';
import { COLORS } from '../../../../shared/report/charts/theme';
import { ModelMetrics } from '../../../../shared/report/input';

const models = [
  { model: 'EASE', role: 'baseline', ndcg10: 0.0687, hr10: 0.1339, mrr: 0.0561 },
  { model: 'control', role: 'control', ndcg10: 0.0661, hr10: 0.1298, mrr: 0.0542, auc: 0.9087 },
  { model: 'most-popular', role: 'baseline', ndcg10: 0.0412, hr10: 0.0853, mrr: 0.0351, auc: 0.8571 },
  { model: 'valued', role: 'valued', ndcg10: 0.0719, hr10: 0.1402, mrr: 0.0589, auc: 0.9121 },
].map((m) => ModelMetrics.parse(m));

describe('metricRows', () => {
  it('lists valued, then control, then baselines, one row per metric the model has', () => {
    const rows = metricRows(models);
    expect([...new Set(rows.map((r) => r.model))]).toEqual(['valued', 'control', 'EASE', 'most-popular']);
    expect(rows.filter((r) => r.model === 'valued').map((r) => [r.metric, r.value])).toEqual([
      ['NDCG@10', 0.0719],
      ['HR@10', 0.1402],
      ['MRR', 0.0589],
      ['AUC', 0.9121],
    ]);
  });

  it('leaves a missing AUC out instead of drawing it as zero', () => {
    const ease = metricRows(models).filter((r) => r.model === 'EASE');
    expect(ease.map((r) => r.metric)).toEqual(['NDCG@10', 'HR@10', 'MRR']);
  });

  it('gives valued and control their fixed colours and baselines distinct others', () => {
    const { domain, range } = modelColors(models);
    expect(domain).toEqual(['valued', 'control', 'EASE', 'most-popular']);
    expect(range.slice(0, 2)).toEqual([COLORS.valued, COLORS.control]);
    expect(new Set(range).size).toBe(4);
  });
});
