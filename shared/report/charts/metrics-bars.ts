// Ranking quality of the valued model, its control and the baselines: one panel per metric
// (each on its own scale, since AUC ≈ 0.9 would flatten NDCG@10 ≈ 0.05), one bar per model.
import type { TopLevelSpec } from 'vega-lite';
import type { ModelMetricsT } from '../input';
import { chartConfig, COLORS } from './theme';

export const METRIC_NAMES = ['NDCG@10', 'HR@10', 'MRR', 'AUC'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricRow {
  model: string;
  role: ModelMetricsT['role'];
  metric: MetricName;
  value: number;
}

const ROLE_RANK = { valued: 0, control: 1, baseline: 2 } as const;

/** Models in reading order: valued first, then control, then baselines as given. */
export function orderModels(models: readonly ModelMetricsT[]): ModelMetricsT[] {
  return models.map((m, i) => ({ m, i })).sort((a, b) => ROLE_RANK[a.m.role] - ROLE_RANK[b.m.role] || a.i - b.i).map((x) => x.m);
}

/** Long format, one row per (model, metric); a metric a model lacks (AUC) is left out, not zeroed. */
export function metricRows(models: readonly ModelMetricsT[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const m of orderModels(models)) {
    const byName: Record<MetricName, number | undefined> = { 'NDCG@10': m.ndcg10, 'HR@10': m.hr10, MRR: m.mrr, AUC: m.auc };
    for (const metric of METRIC_NAMES) {
      const value = byName[metric];
      if (value !== undefined) rows.push({ model: m.model, role: m.role, metric, value });
    }
  }
  return rows;
}

/** Valued and control keep their fixed colours; baselines take the next ones in turn. */
export function modelColors(models: readonly ModelMetricsT[]): { domain: string[]; range: string[] } {
  const ordered = orderModels(models);
  let baseline = 0;
  const range = ordered.map((m) => {
    if (m.role === 'valued') return COLORS.valued;
    if (m.role === 'control') return COLORS.control;
    return COLORS.baselines[baseline++ % COLORS.baselines.length] as string;
  });
  return { domain: ordered.map((m) => m.model), range };
}

export function metricsSpec(rows: readonly MetricRow[], models: readonly ModelMetricsT[]): TopLevelSpec {
  const colors = modelColors(models);
  const metrics = METRIC_NAMES.filter((n) => rows.some((r) => r.metric === n));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    data: { values: [...rows] },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: metrics, header: { labelFontSize: 13 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: { step: 28 },
      height: 200,
      encoding: {
        // Model names are long; the legend names them once instead of truncated tick labels.
        x: { field: 'model', type: 'nominal', title: null, sort: colors.domain, axis: { labels: false, ticks: false } },
        // '~g', not '.2f': NDCG@10 ≈ 0.01 would print every tick as 0.01
        y: { field: 'value', type: 'quantitative', title: 'score', axis: { format: '~g' } },
      },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: { color: { field: 'model', type: 'nominal', title: 'model', scale: colors, sort: colors.domain } },
        },
        {
          mark: { type: 'text', dy: -7, fontSize: 9, color: '#24292f', angle: 0 },
          encoding: { text: { field: 'value', type: 'quantitative', format: '.3f' } },
        },
      ],
    },
  };
}
