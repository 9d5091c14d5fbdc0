import { describe, expect, it } from 'vitest';
import { parseRunReportInput, type RunReportInput } from '../../../../shared/report/input';
import { metricsSection } from '../../../../shared/report/sections/metrics';
import { buildRealisticRun } from '../fixtures/realistic-run';

const SEARCH: NonNullable<RunReportInput['search']> = {
  methods: [
    { method: 'head', ndcg10: 0.5132, standardError: 0.0211 },
    { method: 'bm25', ndcg10: 0.4018, standardError: 0.0234 },
    { method: 'zero-shot', ndcg10: 0.3377, standardError: 0.0198 },
  ],
  testQueries: 120,
  trainQueries: 480,
  vsBm25: [
    { method: 'zero-shot', difference: -0.0641, low: -0.1012, high: -0.027, queries: 120 },
    { method: 'head', difference: 0.1114, low: 0.0702, high: 0.1526, queries: 120 },
  ],
  clicks: { valued: 1530, quarantined: 306, keep: 0.8, byKeep: [{ keep: 1, validation: 0.4871 }, { keep: 0.8, validation: 0.4962 }] },
};

const row = (body: string, name: string) => new RegExp(`<tr><td>${name}</td>((?:(?!</tr>).)*)</tr>`).exec(body)?.[1];

describe('metrics section: search on held-out queries', () => {
  it('lists BM25, the zero-shot encoder and the trained head with NDCG@10 ± s.e., the paired difference to BM25 and the test queries', async () => {
    const { body } = await metricsSection(parseRunReportInput({ ...buildRealisticRun(), search: SEARCH }));
    const search = body.slice(body.indexOf('Search (held-out queries)'));
    expect(body).toContain('Search (held-out queries)');
    // BM25 first, then the encoder, then the head, whatever order the run recorded them in
    expect(search.indexOf('>BM25<')).toBeLessThan(search.indexOf('>zero-shot encoder<'));
    expect(search.indexOf('>zero-shot encoder<')).toBeLessThan(search.indexOf('>trained head<'));
    expect(row(search, 'BM25')).toMatch(/>0\.4018<\/td><td[^>]*>± 0\.0234<\/td><td[^>]*>—<\/td><td[^>]*>120</);
    expect(row(search, 'zero-shot encoder')).toMatch(/>0\.3377<\/td><td[^>]*>± 0\.0198<\/td><td[^>]*>−0\.0641 \[−0\.1012, −0\.0270\]<\/td><td[^>]*>120</);
    // the best ranker is bold
    expect(row(search, 'trained head')).toMatch(/<strong>0\.5132<\/strong><\/td><td[^>]*>± 0\.0211<\/td><td[^>]*>\+0\.1114 \[\+0\.0702, \+0\.1526\]<\/td>/);
    expect(search).toContain('for 120 test queries');
    expect(search).toContain('480 training queries');
    expect(search).toContain('Click valuation: 1,530 training clicks valued, 306 quarantined');
    expect(search).toContain('keep 80% chosen on validation queries; validation NDCG@10 by keep share: 100% 0.4871, 80% 0.4962');
  });

  it('says what was not computed: no paired difference, no click valuation, one query without a standard error', async () => {
    const search = { methods: [{ method: 'bm25', ndcg10: 0.3 }, { method: 'head', ndcg10: 0.25 }], testQueries: 1 };
    const { body } = await metricsSection(parseRunReportInput({ ...buildRealisticRun(), search }));
    expect(row(body, 'BM25')).toContain('one query');
    expect(row(body, 'trained head')).toMatch(/one query<\/span><\/td><td[^>]*><span class="metric-not-computed">not computed</);
    expect(body).not.toContain('Click valuation');
  });

  it('shows the search table even when the run recorded no recommendation metrics', async () => {
    const { body } = await metricsSection(parseRunReportInput({ ...buildRealisticRun(), metrics: undefined, search: SEARCH }));
    expect(body).toContain('Not computed in this run.');
    expect(row(body, 'trained head')).toContain('0.5132');
  });

  it('leaves it out when the run had no search', async () => {
    const { body } = await metricsSection(parseRunReportInput(buildRealisticRun()));
    expect(body).not.toContain('Search (held-out queries)');
    expect(body).not.toContain('BM25');
  });
});
