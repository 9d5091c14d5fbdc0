import type { RunReport, ValueDistributionT } from '../input';
import { histogramRows, histogramSpec } from '../charts/value-histogram';
import { formatCount } from '../format';
import { figure, notComputed, table } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

/** How many values were drawn against how many were valued: a sample is never labelled as the count. */
export function sampleNote(d: ValueDistributionT): string | undefined {
  const drawn = d.values?.length;
  if (drawn === undefined || d.count === undefined || d.count <= drawn) return undefined;
  return `${d.method}: the histogram draws a sample of ${formatCount(drawn)} of ${formatCount(d.count)} values (evenly spaced); the counts in the table are of all ${formatCount(d.count)}.`;
}

export async function valuesSection(report: RunReport): Promise<Section> {
  const section = { id: 'values', title: 'Value distribution' };
  const dists = report.values ?? [];
  if (dists.length === 0) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.values, 'No data values were computed for this run.')) };
  }
  const panels = dists.map((d) => ({ dist: d, method: d.method, threshold: d.threshold, sampled: sampleNote(d) !== undefined, rows: histogramRows(d) }));
  const svg = await renderSvg(histogramSpec(panels));
  const counts = table(
    [{ title: 'method' }, { title: 'examples valued', numeric: true }, { title: 'kept', numeric: true }, { title: 'quarantined', numeric: true }, { title: 'threshold', numeric: true }],
    panels.map((p) => {
      const drawn = p.rows.reduce((s, r) => s + r.count, 0);
      const total = p.dist.count ?? drawn;
      const hasThreshold = p.threshold !== undefined;
      // exact when the value step recorded it; otherwise estimated from the drawn values
      const keptDrawn = p.rows.filter((r) => r.side === 'kept').reduce((s, r) => s + r.count, 0);
      const kept = p.dist.keptCount ?? (drawn > 0 ? Math.round((keptDrawn / drawn) * total) : 0);
      const mark = p.dist.keptCount === undefined ? '≈ ' : '';
      return [
        p.method,
        formatCount(total),
        hasThreshold || p.dist.keptCount !== undefined ? `${mark}${formatCount(kept)}` : '—',
        hasThreshold || p.dist.keptCount !== undefined ? `${mark}${formatCount(total - kept)}` : '—',
        hasThreshold ? (p.threshold as number).toPrecision(3).replace('-', '−') : '—',
      ];
    }),
  );
  const notes = dists.map(sampleNote).filter((n): n is string => n !== undefined);
  const caption = notes.length
    ? `Histogram of per-example values; the dashed line is the selection threshold. ${notes.join(' ')}`
    : 'Histogram of per-example values; the dashed line is the selection threshold.';
  return {
    ...section,
    body: figure('value-histogram', svg, caption) + counts,
  };
}
