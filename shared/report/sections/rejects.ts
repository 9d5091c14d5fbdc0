// Rows preprocessing refused, per reason, with a few concrete file:line examples to open.
import type { RejectsT, RunReport } from '../input';
import { rejectRows, rejectsSpec } from '../charts/rejects-bars';
import { formatCount, formatPercent } from '../format';
import { code, figure, markup, notComputed, table } from '../html';
import { renderSvg } from '../render-svg';
import { missingReason, PRODUCERS } from './missing';
import type { Section } from './section';

export const EXAMPLES_PER_REASON = 3;
export const EXAMPLES_SHOWN = 12;
const EXCERPT_CHARS = 120;

/** A few examples, at most `perReason` for each reason, so one flood does not hide the rest. */
export function pickRejectExamples(rejects: Pick<RejectsT, 'byReason' | 'examples'>, perReason = EXAMPLES_PER_REASON, limit = EXAMPLES_SHOWN): RejectsT['examples'] {
  const taken = new Map<string, number>();
  const picked: RejectsT['examples'] = [];
  for (const e of rejects.examples) {
    const n = taken.get(e.reason) ?? 0;
    if (n >= perReason) continue;
    taken.set(e.reason, n + 1);
    picked.push(e);
    if (picked.length >= limit) break;
  }
  return picked;
}

/** One line per source file: its rejects against its own rows read, events and items apart. */
export function rejectsPerFile(rejects: Pick<RejectsT, 'byFile'>): string {
  if (rejects.byFile.length === 0) return '';
  return table(
    [{ title: 'file' }, { title: 'rejected', numeric: true }, { title: 'rows read', numeric: true }, { title: 'share', numeric: true }],
    rejects.byFile.map((f) => [code(f.file), formatCount(f.rejected), f.rowsRead === undefined ? '—' : formatCount(f.rowsRead), f.rowsRead ? formatPercent(f.rejected / f.rowsRead, 2) : '—']),
  );
}

export async function rejectsSection(report: RunReport): Promise<Section> {
  const section = { id: 'rejects', title: 'Rejected rows (preprocessing)' };
  const rejects = report.rejects;
  if (!rejects) {
    return { ...section, body: notComputed(missingReason(report, PRODUCERS.rejects, 'Preprocessing recorded no rejects summary.')) };
  }
  const rows = rejectRows(rejects);
  const total = rows.reduce((s, r) => s + r.count, 0);
  const perFile = rejectsPerFile(rejects);
  // without a per-file count, the total is still not divided by rows of different files
  if (rows.length === 0) return { ...section, body: `<p class="ok">No row was rejected.</p>${perFile}` };

  const svg = await renderSvg(rejectsSpec(rows));
  const examples = pickRejectExamples(rejects);
  const examplesHtml = examples.length
    ? `<h3>Examples</h3>${table(
        [{ title: 'where' }, { title: 'reason' }, { title: 'raw line' }],
        examples.map((e) => [
          code(`${e.file}:${e.line}`),
          e.reason,
          e.excerpt === undefined ? '—' : markup(code(e.excerpt.length > EXCERPT_CHARS ? `${e.excerpt.slice(0, EXCERPT_CHARS)}…` : e.excerpt).html),
        ]),
      )}`
    : '';
  return {
    ...section,
    body:
      `<p>${formatCount(total)} rows rejected in all.</p>` +
      perFile +
      figure('rejects-bars', svg, 'Rejected rows per reason.') +
      examplesHtml,
  };
}
