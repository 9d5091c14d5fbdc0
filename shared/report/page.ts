// Assembles the self-contained report page: banner, summary, then every section in a fixed
// order. A section without data says so; nothing is left out silently.
import type { RunReport } from './input';
import { parseRunReportInput, type RunReportInput } from './input';
import { formatTime } from './format';
import { escapeHtml } from './html';
import { REPORT_CSS } from './style';
import { detectionSection } from './sections/detection';
import { metricsSection } from './sections/metrics';
import { pointRemovalSection } from './sections/point-removal';
import { quarantineSection } from './sections/quarantine';
import { rejectsSection } from './sections/rejects';
import type { Section, SectionBuilder } from './sections/section';
import { stepsSection } from './sections/steps';
import { summarySection } from './sections/summary';
import { trainingSection } from './sections/training';
import { valuesSection } from './sections/values';

/** Page order: what the run is, how it went, what it learned, what it found in the data. */
export const SECTION_BUILDERS: readonly SectionBuilder[] = [
  summarySection,
  stepsSection,
  trainingSection,
  metricsSection,
  valuesSection,
  detectionSection,
  pointRemovalSection,
  quarantineSection,
  rejectsSection,
];

/** Section ids in page order, for readers and tests. */
export const SECTION_IDS = ['summary', 'steps', 'training', 'metrics', 'values', 'detection', 'point-removal', 'quarantine', 'rejects'] as const;

const FAILED_STATUSES = new Set(['failed', 'cancelled', 'terminated', 'timed-out']);

/** The red banner of a run that did not finish, with the failing step and the reason. */
export function statusBanner(report: RunReport): string {
  const { run } = report;
  if (FAILED_STATUSES.has(run.status)) {
    const failedStep = run.failure?.step ?? report.steps.find((s) => s.status === 'failed')?.name;
    const verb = run.status === 'failed' ? 'failed' : run.status === 'timed-out' ? 'timed out' : `was ${run.status}`;
    const where = failedStep ? ` at step <code>${escapeHtml(failedStep)}</code>` : '';
    const reason = run.failure
      ? `${run.failure.type ? `${escapeHtml(run.failure.type)}: ` : ''}${escapeHtml(run.failure.message)}`
      : 'No reason was recorded; open the Temporal workflow for the failure details.';
    return (
      `<div class="banner banner-failed" role="alert" data-banner="failed"><strong>Run ${verb}${where}.</strong> ` +
      `This report shows what the run produced before it stopped.<pre>${reason}</pre></div>`
    );
  }
  if (run.status === 'running') {
    return `<div class="banner banner-running" role="status" data-banner="running"><strong>Run still in progress.</strong> This report shows what existed at ${escapeHtml(formatTime(report.generatedAt))}.</div>`;
  }
  return '';
}

function sectionHtml(s: Section): string {
  return `<section class="report-section" id="${escapeHtml(s.id)}" data-section="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>`;
}

/** Builds the whole report page: one HTML string with inline CSS and inline SVG charts. */
export async function buildReportHtml(input: RunReportInput): Promise<string> {
  const report = parseRunReportInput(input);
  const sections: Section[] = [];
  // One at a time: Vega rendering is CPU-bound, parallel promises would not be faster.
  for (const build of SECTION_BUILDERS) sections.push(await build(report));
  const { run } = report;
  const title = `Assay run ${run.runId} · ${run.dataset} / ${run.partition}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header class="page"><h1>${escapeHtml(title)}</h1><div class="sub">spec <code>${escapeHtml(run.spec)}</code> · code <code>${escapeHtml(run.codeVersion)}</code> · status ${escapeHtml(run.status)}</div></header>
<nav class="toc">${sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join(' ')}</nav>
<main>
${statusBanner(report)}
${sections.map(sectionHtml).join('\n')}
</main>
<footer class="page">Generated ${escapeHtml(formatTime(report.generatedAt))} by Assay.</footer>
</body>
</html>
`;
}
