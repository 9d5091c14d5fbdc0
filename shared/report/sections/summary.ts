// Who/what/where of the run: spec, data, code, timing, where it ran, and the Temporal link.
import type { RunReport } from '../input';
import { formatDuration, formatTime, secondsBetween } from '../format';
import { code, escapeHtml, markup, safeHref, table } from '../html';
import type { Section } from './section';

export function summarySection(report: RunReport): Section {
  const { run } = report;
  const href = safeHref(run.temporalUrl);
  const workflow = href
    ? markup(`<a href="${href}" data-link="temporal">${escapeHtml(run.temporalWorkflowId)}</a>`)
    : code(run.temporalWorkflowId);
  const duration = secondsBetween(run.startedAt, run.finishedAt ?? (run.status === 'running' ? report.generatedAt : undefined));
  const facts: [string, string | ReturnType<typeof markup>][] = [
    ['status', markup(`<span class="status status-${escapeHtml(run.status)}">${escapeHtml(run.status)}</span>`)],
    ['run', code(run.runId)],
    ['spec', run.specDigest ? markup(`${code(run.spec).html} <span class="muted">${escapeHtml(run.specDigest)}</span>`) : code(run.spec)],
    ['dataset', run.dataset],
    ['partition', run.partition],
    ['code version', code(run.codeVersion)],
    ['started', formatTime(run.startedAt)],
    ['finished', run.finishedAt ? formatTime(run.finishedAt) : run.status === 'running' ? 'still running' : '—'],
    ['duration', duration === undefined ? '—' : formatDuration(duration)],
    ['Temporal workflow', workflow],
  ];
  const factsHtml = `<dl class="facts">${facts
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${typeof v === 'string' ? escapeHtml(v) : v.html}</dd>`)
    .join('')}</dl>`;

  const configEntries = Object.entries(run.config);
  const configHtml = configEntries.length
    ? `<h3>Settings</h3><dl class="facts config">${configEntries
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`)
        .join('')}</dl>`
    : '';

  const placement = report.steps.length
    ? `<h3>Where each step ran</h3>${table(
        [{ title: 'step' }, { title: 'backend' }, { title: 'device' }, { title: 'worker' }],
        report.steps.map((s) => [code(s.name), s.backend ?? '—', s.device ?? '—', s.worker ?? '—']),
      )}`
    : '<p class="muted">No step has started yet.</p>';

  return { id: 'summary', title: 'Run summary', body: `<div class="summary-grid"><div>${factsHtml}${configHtml}</div><div>${placement}</div></div>` };
}
