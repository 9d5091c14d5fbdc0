import type { RunReport } from '../input';
import { trainingRows, trainingSpec } from '../charts/training-curves';
import { figure, notComputed } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

export async function trainingSection(report: RunReport): Promise<Section> {
  const section = { id: 'training', title: 'Training curves' };
  if (!report.training?.length) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.training, 'No per-epoch loss was recorded for this run.')) };
  }
  const svg = await renderSvg(trainingSpec(trainingRows(report.training)));
  const hasValidation = report.training.some((p) => p.split === 'valid');
  const caption = hasValidation ? 'Loss per epoch; solid = training loss, dashed = validation loss.' : 'Training loss per epoch.';
  return { ...section, body: figure('training-curves', svg, caption) };
}
