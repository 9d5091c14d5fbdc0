import type { RunReport } from '../input';
import { removalRows, removalSpec } from '../charts/point-removal';
import { figure, notComputed } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

export async function pointRemovalSection(report: RunReport): Promise<Section> {
  const section = { id: 'point-removal', title: 'Point-removal curve' };
  if (!report.pointRemoval?.length) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.pointRemoval, 'The point-removal experiment was not requested for this run.')) };
  }
  const svg = await renderSvg(removalSpec(removalRows(report.pointRemoval)));
  return {
    ...section,
    body: figure('point-removal', svg, 'NDCG@10 after retraining without a fraction of the data: a good valuation stays flat removing the lowest and drops removing the highest.'),
  };
}
