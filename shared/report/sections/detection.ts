import type { RunReport } from '../input';
import { detectionRows, detectionSpec } from '../charts/detection-bars';
import { formatMetric } from '../format';
import { escapeHtml, figure, notComputed, table } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

export async function detectionSection(report: RunReport): Promise<Section> {
  const section = { id: 'detection', title: 'Noise detection' };
  const detection = report.detection;
  if (!detection) {
    const hint = 'This dataset has no ground truth for noisy examples (the synthetic generator with planted noise provides it).';
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.detection, hint)) };
  }
  const svg = await renderSvg(detectionSpec(detectionRows(detection.scores)));
  const scores = table(
    [{ title: 'method' }, { title: 'AUC', numeric: true }, { title: 'F1', numeric: true }, { title: 'precision', numeric: true }, { title: 'recall', numeric: true }],
    detection.scores.map((s) => [s.method, formatMetric(s.auc, 3), formatMetric(s.f1, 3), formatMetric(s.precision, 3), formatMetric(s.recall, 3)]),
  );
  return {
    ...section,
    body:
      `<p>Ground truth: ${escapeHtml(detection.groundTruth)}</p>` +
      figure('detection-bars', svg, 'How well low values single out the noisy examples; 0.5 AUC is chance.') +
      scores,
  };
}
