// The quarantined examples the fine-tuned model contradicts most: candidates for label noise
// that a person should look at first.
import type { QuarantineExampleT, RunReport } from '../input';
import { formatMetric } from '../format';
import { code, escapeHtml, markup, notComputed, table } from '../html';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

export const QUARANTINE_SHOWN = 20;

/** The `limit` most contradicted examples, strongest first (ties by id for a stable order). */
export function mostContradicted(examples: readonly QuarantineExampleT[], limit = QUARANTINE_SHOWN): QuarantineExampleT[] {
  return [...examples]
    .sort((a, b) => b.contradiction - a.contradiction || a.exampleId.localeCompare(b.exampleId))
    .slice(0, limit);
}

/** What the valued fine-tune did with the quarantined interactions (valuation.quarantine), in words. */
export function quarantineUse(mode: unknown): string {
  if (mode === 'drop') return 'In this run they were dropped from the valued fine-tune altogether — neither targets nor context in its training rows; inference still reads every user\'s full history.';
  if (mode === 'hidden') return 'In this run they were dropped from the valued fine-tune altogether and left out of the histories the valued model read at validation and inference (the control reads full histories); pretraining saw them.';
  if (mode === 'everywhere') return 'In this run they were left out of everything the valued model learned from and read: it was pretrained again on the kept interactions, fine-tuned on them, and scored from histories without them (the control reads full histories).';
  if (mode === 'context') return 'In this run they stayed in the users\' histories as context for the valued fine-tune and were only never trained on as targets; inference reads every user\'s full history.';
  return 'This run did not record what the valued fine-tune did with them (valuation.quarantine).';
}

export function quarantineSection(report: RunReport): Section {
  const section = { id: 'quarantine', title: 'Quarantine: examples the model contradicts most' };
  const examples = report.quarantine;
  if (!examples?.length) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.quarantine, 'The fine-tuned model did not score a quarantine set in this run.')) };
  }
  const top = mostContradicted(examples);
  const mode = report.run.config['valuation.quarantine'];
  const rows = top.map((e, i) => [
    i + 1,
    markup(
      `<span class="title">${escapeHtml(e.itemTitle ?? '(no title)')}</span> <span class="muted">${escapeHtml(e.itemId)}</span>`,
    ),
    e.query !== undefined ? markup(`query “${escapeHtml(e.query)}”`) : e.userId !== undefined ? markup(`user ${code(e.userId).html}`) : '—',
    String(e.observedLabel),
    formatMetric(e.modelScore, 3),
    formatMetric(e.contradiction, 3),
    e.value === undefined ? '—' : e.value.toPrecision(3).replace('-', '−'),
  ]);
  return {
    ...section,
    body:
      `<p>Top ${top.length} of ${Math.max(examples.length, report.quarantinedCount ?? 0).toLocaleString('en-US')} quarantined examples, by how strongly the fine-tuned model disagrees with their label.</p>` +
      `<p class="muted">${escapeHtml(quarantineUse(mode))}</p>` +
      table(
        [
          { title: '#', numeric: true },
          { title: 'item' },
          { title: 'context' },
          { title: 'label' },
          { title: 'model score', numeric: true },
          { title: 'contradiction', numeric: true },
          { title: 'value', numeric: true },
        ],
        rows,
      ),
  };
}
