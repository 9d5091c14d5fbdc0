import type { RunReport } from '../input';
import { trainingRows, trainingSpec } from '../charts/training-curves';
import { figure, notComputed } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

/**
 * The valued fine-tune minimises Σ_{i∈S} (1 + λ·α·v̂_i)·ℓ_i over the kept set, the control the
 * plain mean over every example: their losses are on different scales, so a lower valued curve
 * says nothing by itself about which model is better.
 */
export const WEIGHTING_NOTE =
  'The valued and control fine-tuning losses are weighted differently (valued: each kept example weighted by 1 + λ·α·v̂; control: every example weighted 1), so compare each curve with itself, not one with the other; the metrics section compares the models.';

/** The note, with the column weight both arms share when finetune.exampleWeight names one. */
export function weightingNote(report: RunReport): string {
  const column = report.run.config['finetune.exampleWeight'];
  if (column !== 'quantity' && column !== 'value') return WEIGHTING_NOTE;
  return `${WEIGHTING_NOTE} Both arms' examples are also weighted by the events' ${column} (finetune.exampleWeight: log1p, scaled to mean 1).`;
}

function bothArms(report: RunReport): boolean {
  const finetune = (report.training ?? []).filter((p) => p.phase === 'finetune');
  return finetune.some((p) => p.variant === 'valued') && finetune.some((p) => p.variant === 'control');
}

export async function trainingSection(report: RunReport): Promise<Section> {
  const section = { id: 'training', title: 'Training curves' };
  if (!report.training?.length) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.training, 'No per-epoch loss was recorded for this run.')) };
  }
  const svg = await renderSvg(trainingSpec(trainingRows(report.training)));
  const hasValidation = report.training.some((p) => p.split === 'valid');
  const base = hasValidation ? 'Loss per epoch; solid = training loss, dashed = validation loss.' : 'Training loss per epoch.';
  const caption = bothArms(report) ? `${base} ${weightingNote(report)}` : base;
  return { ...section, body: figure('training-curves', svg, caption) };
}
