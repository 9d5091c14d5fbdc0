// The search table of the metrics section (infer.search): BM25, the zero-shot encoder and the
// trained head ranking the whole catalogue for held-out queries, with the paired difference to
// BM25 and, with click valuation, what the head was trained on. Absent when the run had no search.
import type { RunReport } from '../input';
import { formatCount, formatMetric, formatPercent } from '../format';
import { escapeHtml, markup, table, type Cell } from '../html';

/** Reading names of pipeline-search.ts's methods, in the order the table lists them. */
const METHOD_NAMES: Record<string, string> = { bm25: 'BM25', 'zero-shot': 'zero-shot encoder', head: 'trained head' };
const order = (method: string) => {
  const i = Object.keys(METHOD_NAMES).indexOf(method);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
};
const methodName = (method: string) => METHOD_NAMES[method] ?? method;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${formatMetric(Math.abs(x))}`;
const notComputedCell = (what = 'not computed') => markup(`<span class="metric-not-computed">${escapeHtml(what)}</span>`);

export function searchTable(report: RunReport): string {
  const search = report.search;
  if (!search) return '';
  const methods = [...search.methods].sort((a, b) => order(a.method) - order(b.method));
  const best = Math.max(...methods.map((m) => m.ndcg10));
  const vs = new Map((search.vsBm25 ?? []).map((d) => [d.method, d]));
  const rows: Cell[][] = methods.map((m) => {
    const ndcg = formatMetric(m.ndcg10);
    const d = vs.get(m.method);
    const interval = d?.low !== undefined && d.high !== undefined ? ` [${signed(d.low)}, ${signed(d.high)}]` : '';
    return [
      methodName(m.method),
      m.ndcg10 === best ? markup(`<strong>${ndcg}</strong>`) : ndcg,
      m.standardError === undefined ? notComputedCell('one query') : `± ${formatMetric(m.standardError)}`,
      m.method === 'bm25' ? '—' : d ? `${signed(d.difference)}${interval}` : notComputedCell(),
      formatCount(d?.queries ?? search.testQueries),
    ];
  });
  const train = search.trainQueries === undefined ? '' : ` The head trained on the logs of ${formatCount(search.trainQueries)} training queries, its settings chosen on validation queries.`;
  return (
    `<h3>Search (held-out queries)</h3><p>Each ranker orders the whole catalogue for ${formatCount(search.testQueries)} test queries; NDCG@10 with graded gains, ± its standard error over queries; the difference to BM25 is paired over the same queries, with its 95% interval.${train}</p>` +
    table(
      [
        { title: 'ranker' },
        { title: 'NDCG@10', numeric: true },
        { title: 's.e.', numeric: true },
        { title: 'vs BM25', numeric: true },
        { title: 'test queries', numeric: true },
      ],
      rows,
    ) +
    clickValuation(search.clicks)
  );
}

/** `Click valuation: 1,200 training clicks valued, 240 quarantined (keep 80% chosen on validation queries: …).` */
function clickValuation(clicks: NonNullable<RunReport['search']>['clicks']): string {
  if (!clicks) return '';
  const tried = clicks.byKeep?.length ? `; validation NDCG@10 by keep share: ${clicks.byKeep.map((k) => `${formatPercent(k.keep, 0)} ${formatMetric(k.validation)}`).join(', ')}` : '';
  return (
    `<p class="search-clicks">Click valuation: ${formatCount(clicks.valued)} training clicks valued, ${formatCount(clicks.quarantined)} quarantined ` +
    `(the head did not train on them); keep ${formatPercent(clicks.keep, 0)} chosen on validation queries${escapeHtml(tried)}.</p>`
  );
}
