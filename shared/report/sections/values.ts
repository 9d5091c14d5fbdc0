import type { RunReport } from '../input';
import { histogramRows, histogramSpec } from '../charts/value-histogram';
import { formatCount } from '../format';
import { figure, notComputed, table } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

export async function valuesSection(report: RunReport): Promise<Section> {
  const section = { id: 'values', title: 'Value distribution' };
  const dists = report.values ?? [];
  if (dists.length === 0) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.values, 'No data values were computed for this run.')) };
  }
  const panels = dists.map((d) => ({ method: d.method, threshold: d.threshold, rows: histogramRows(d) }));
  const svg = await renderSvg(histogramSpec(panels));
  const counts = table(
    [{ title: 'method' }, { title: 'examples valued', numeric: true }, { title: 'kept', numeric: true }, { title: 'quarantined', numeric: true }, { title: 'threshold', numeric: true }],
    panels.map((p) => {
      const total = p.rows.reduce((s, r) => s + r.count, 0);
      const kept = p.rows.filter((r) => r.side === 'kept').reduce((s, r) => s + r.count, 0);
      const hasThreshold = p.threshold !== undefined;
      return [
        p.method,
        formatCount(total),
        hasThreshold ? `≈ ${formatCount(kept)}` : '—',
        hasThreshold ? `≈ ${formatCount(total - kept)}` : '—',
        hasThreshold ? (p.threshold as number).toPrecision(3).replace('-', '−') : '—',
      ];
    }),
  );
  return {
    ...section,
    body: figure('value-histogram', svg, 'Histogram of per-example values; the dashed line is the selection threshold.') + counts,
  };
}
