// The step DAG over time: a Gantt-like bar per step plus the table with the exact figures.
import type { RunReport } from '../input';
import { ganttRows, ganttSpec } from '../charts/step-gantt';
import { formatDuration, formatTime, secondsBetween } from '../format';
import { code, escapeHtml, figure, markup, notComputed, table } from '../html';
import { renderSvg } from '../render-svg';
import type { Section } from './section';

export async function stepsSection(report: RunReport): Promise<Section> {
  const section = { id: 'steps', title: 'Steps' };
  if (report.steps.length === 0) return { ...section, body: notComputed('No step of this run has been recorded yet.') };

  const rows = ganttRows(report.steps, report.run.startedAt, report.generatedAt);
  const chart = rows.length
    ? figure('steps-gantt', await renderSvg(ganttSpec(rows, report.steps.map((s) => s.name))), 'Each bar spans a step from start to end; labels give duration and retries.')
    : notComputed('No step has started yet, so there is no timeline.');

  const stepTable = table(
    [{ title: 'step' }, { title: 'status' }, { title: 'started' }, { title: 'duration', numeric: true }, { title: 'attempts', numeric: true }, { title: 'cache' }, { title: 'error' }],
    report.steps.map((s) => {
      const seconds = secondsBetween(s.startedAt, s.finishedAt);
      return [
        code(s.name),
        markup(`<span class="status status-${escapeHtml(s.status)}">${escapeHtml(s.status)}</span>`),
        markup(`<span class="nowrap">${escapeHtml(formatTime(s.startedAt))}</span>`),
        seconds === undefined ? '—' : formatDuration(seconds),
        s.attempts,
        s.cacheHit ? markup('<span class="cache-hit">hit</span>') : s.startedAt === undefined ? '—' : 'miss',
        s.error ?? '',
      ];
    }),
  );
  return { ...section, body: `${chart}${stepTable}` };
}
