// How well each valuation method finds the planted noise: AUC and F1 against ground truth,
// bars grouped by metric so methods compare side by side on a shared [0, 1] scale.
import type { TopLevelSpec } from 'vega-lite';
import type { DetectionScoreT } from '../input';
import { chartConfig, COLORS } from './theme';

export interface DetectionRow {
  method: string;
  metric: 'AUC' | 'F1';
  value: number;
}

export function detectionRows(scores: readonly DetectionScoreT[]): DetectionRow[] {
  return scores.flatMap((s) => [
    { method: s.method, metric: 'AUC' as const, value: s.auc },
    { method: s.method, metric: 'F1' as const, value: s.f1 },
  ]);
}

export function detectionSpec(rows: readonly DetectionRow[]): TopLevelSpec {
  const methods = [...new Set(rows.map((r) => r.method))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    width: 120 + 70 * methods.length,
    height: 220,
    data: { values: [...rows] },
    encoding: {
      x: { field: 'metric', type: 'nominal', title: null, sort: ['AUC', 'F1'], axis: { labelAngle: 0, labelFontSize: 12 } },
      xOffset: { field: 'method', type: 'nominal', sort: methods },
      y: { field: 'value', type: 'quantitative', title: 'score (vs ground truth)', scale: { domain: [0, 1] } },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: {
            field: 'method',
            type: 'nominal',
            title: 'method',
            sort: methods,
            scale: { domain: methods, range: methods.map((_, i) => COLORS.categorical[i % COLORS.categorical.length] as string) },
          },
        },
      },
      {
        mark: { type: 'text', dy: -7, fontSize: 9, color: '#24292f' },
        encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' } },
      },
    ],
  };
}
