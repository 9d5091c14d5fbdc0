// Held-out quality of the valued model beside its control and the baselines (DESIGN §1: a
// report always shows the control next to the valued run: quality, examples used, time).
import type { ModelMetricsT, RunReport } from '../input';
import { metricRows, metricsSpec, orderModels } from '../charts/metrics-bars';
import { formatCount, formatDuration, formatMetric, formatPercent } from '../format';
import { escapeHtml, figure, markup, notComputed, table, type Cell } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

type MetricKey = 'ndcg10' | 'hr10' | 'mrr' | 'auc';
const METRIC_COLUMNS: [MetricKey, string][] = [['ndcg10', 'NDCG@10'], ['hr10', 'HR@10'], ['mrr', 'MRR'], ['auc', 'AUC']];

/** One sentence comparing valued against control, or undefined when either is missing. */
export function valuedVsControl(models: readonly ModelMetricsT[]): string | undefined {
  const valued = models.find((m) => m.role === 'valued');
  const control = models.find((m) => m.role === 'control');
  if (!valued || !control) return undefined;
  const parts: string[] = [];
  const rel = control.ndcg10 > 0 ? (valued.ndcg10 - control.ndcg10) / control.ndcg10 : undefined;
  parts.push(
    `NDCG@10 ${formatMetric(valued.ndcg10)} vs ${formatMetric(control.ndcg10)}` +
      (rel === undefined ? '' : ` (${rel >= 0 ? '+' : '−'}${formatPercent(Math.abs(rel))})`),
  );
  if (valued.trainingExamples !== undefined && control.trainingExamples) {
    parts.push(`${formatPercent(valued.trainingExamples / control.trainingExamples, 0)} of the control's training examples`);
  }
  if (valued.trainSeconds !== undefined && control.trainSeconds) {
    parts.push(`${(valued.trainSeconds / control.trainSeconds).toFixed(2)}× its training time`);
  }
  return `Valued vs control: ${parts.join(', ')}.`;
}

export async function metricsSection(report: RunReport): Promise<Section> {
  const section = { id: 'metrics', title: 'Metrics (held-out test split)' };
  const models = report.metrics ?? [];
  if (models.length === 0) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.metrics, 'No test-split metrics were recorded for this run.')) };
  }
  const ordered = orderModels(models);
  const best = Object.fromEntries(
    METRIC_COLUMNS.map(([key]) => [key, Math.max(...ordered.map((m) => m[key] ?? -Infinity))]),
  ) as Record<MetricKey, number>;
  const rows: Cell[][] = ordered.map((m) => [
    m.model,
    markup(`<span class="role role-${escapeHtml(m.role)}">${escapeHtml(m.role)}</span>`),
    // The best score per metric is bold, so the winner is seen without comparing digits.
    ...METRIC_COLUMNS.map(([key]) => {
      if (m[key] === undefined) return markup('<span class="metric-not-computed">not computed</span>');
      const text = formatMetric(m[key]);
      return m[key] !== undefined && m[key] === best[key] ? markup(`<strong>${text}</strong>`) : text;
    }),
    formatCount(m.trainingExamples),
    m.trainSeconds === undefined ? '—' : formatDuration(m.trainSeconds),
  ]);
  const metricsTable = table(
    [
      { title: 'model' },
      { title: 'role' },
      ...METRIC_COLUMNS.map(([, title]) => ({ title, numeric: true })),
      { title: 'training examples', numeric: true },
      { title: 'training time', numeric: true },
    ],
    rows,
  );
  const comparison = valuedVsControl(models);
  const svg = await renderSvg(metricsSpec(metricRows(models), models));
  return {
    ...section,
    body:
      (comparison ? `<p class="headline">${escapeHtml(comparison)}</p>` : '') +
      metricsTable +
      figure('metrics-bars', svg, 'One panel per metric, each on its own scale; full ranking over all items.'),
  };
}
