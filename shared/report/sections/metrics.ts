// Held-out quality of the valued model beside its control and the baselines (docs/architecture.md §1: a
// report always shows the control next to the valued run: quality, examples used, time).
import type { ModelMetricsT, PairedComparisonT, RunReport } from '../input';
import { metricRows, metricsSpec, orderModels } from '../charts/metrics-bars';
import { formatCount, formatDuration, formatMetric, formatPercent } from '../format';
import { escapeHtml, figure, markup, notComputed, table, type Cell } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import { searchTable } from './search';
import type { Section } from './section';

type MetricKey = 'ndcg10' | 'hr10' | 'mrr' | 'auc';
const METRIC_COLUMNS: [MetricKey, string][] = [['ndcg10', 'NDCG@10'], ['hr10', 'HR@10'], ['mrr', 'MRR'], ['auc', 'AUC']];

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${formatMetric(Math.abs(x))}`;

/** `NDCG@10 0.0600 vs 0.0800, −0.0200 [−0.0300, −0.0100]` */
function pairedPhrase(c: PairedComparisonT): string {
  const interval = c.low !== undefined && c.high !== undefined ? ` [${signed(c.low)}, ${signed(c.high)}]` : ' (no interval: one user)';
  return `${c.metric} ${formatMetric(c.valued)} vs ${formatMetric(c.control)}, ${signed(c.difference)}${interval}`;
}

/**
 * The verdict: valued against control on every headline metric (none picked), each with the
 * paired 95 % interval of the difference over test users when the run recorded per-user
 * scores; then the examples and time it took. Undefined when either model is missing.
 */
export function valuedVsControl(models: readonly ModelMetricsT[], comparison?: readonly PairedComparisonT[]): string | undefined {
  const valued = models.find((m) => m.role === 'valued');
  const control = models.find((m) => m.role === 'control');
  if (!valued || !control) return undefined;
  let quality: string;
  if (comparison?.length) {
    const users = Math.max(...comparison.map((c) => c.users));
    quality = `paired over ${formatCount(users)} test users, difference with its 95% interval: ${comparison.map(pairedPhrase).join('; ')}`;
  } else {
    const phrases = METRIC_COLUMNS.filter(([key]) => valued[key] !== undefined && control[key] !== undefined).map(([key, title]) => `${title} ${formatMetric(valued[key])} vs ${formatMetric(control[key])}`);
    quality = `${phrases.join('; ')} (no per-user scores were recorded, so no interval)`;
  }
  const cost: string[] = [];
  if (valued.trainingExamples !== undefined && control.trainingExamples) {
    cost.push(`${formatPercent(valued.trainingExamples / control.trainingExamples, 0)} of the control's training examples`);
  }
  if (valued.trainSeconds !== undefined && control.trainSeconds) {
    cost.push(`${(valued.trainSeconds / control.trainSeconds).toFixed(2)}× its training time`);
  }
  return `Valued vs control, ${quality}.${cost.length ? ` ${cost.join(', ').replace(/^./, (c) => c.toUpperCase())}.` : ''}`;
}

export async function metricsSection(report: RunReport): Promise<Section> {
  const section = { id: 'metrics', title: 'Metrics (held-out test split)' };
  const models = report.metrics ?? [];
  if (models.length === 0) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.metrics, 'No test-split metrics were recorded for this run.')) + searchTable(report) };
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
  const comparison = valuedVsControl(models, report.comparison);
  const svg = await renderSvg(metricsSpec(metricRows(models), models));
  return {
    ...section,
    body:
      (comparison ? `<p class="headline">${escapeHtml(comparison)}</p>` : '') +
      metricsTable +
      figure('metrics-bars', svg, 'One panel per metric, each on its own scale; full ranking over all items.') +
      coldItemsTable(report) +
      searchTable(report),
  };
}

/** The cold-start table, present only when the run scored items new to training by their text. */
function coldItemsTable(report: RunReport): string {
  const rows = report.coldItems;
  if (!rows?.length) return '';
  return (
    `<h3>Items new to training</h3><p>Test interactions whose item no training interaction reached: the fine-tuned models rank it by its text alone (item text on), over all items.</p>` +
    table(
      [{ title: 'model' }, { title: 'NDCG@10', numeric: true }, { title: 'HR@10', numeric: true }, { title: 'test targets', numeric: true }],
      rows.map((r) => [r.model, formatMetric(r.ndcg10), r.hr10 === undefined ? markup('<span class="metric-not-computed">not computed</span>') : formatMetric(r.hr10), formatCount(r.targets)]),
    )
  );
}
