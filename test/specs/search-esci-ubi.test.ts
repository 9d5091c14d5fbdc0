// specs/search-esci-ubi.json: the pipeline on the ESCI/UBI sample with infer.search on — the
// value step values the training queries' clicks, the infer step trains the head on the kept
// ones, ranks items for held-out queries and reports NDCG@10 for BM25, the zero-shot encoder and
// the trained head in its metrics. Needs the text model (infra/setup.sh --text-model).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/dev/paths';
import { runBare } from '../../shared/pipeline/bare';
import { loadSpecFile, parseSpec } from '../../shared/pipeline/spec';

const specFile = path.join(repoRoot, 'specs', 'search-esci-ubi.json');

describe('specs/search-esci-ubi.json', () => {
  it('runs end to end and the infer step reports search NDCG@10 on held-out queries for all three rankers, and the report shows them', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'assay-search-spec-'));
    try {
      await checkRun(root);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  async function checkRun(root: string) {
    const run = await runBare(loadSpecFile(specFile), { root });
    const infer = run.outcomes.find((o) => o.step === 'infer')!.outcome.metrics!;
    expect(infer['search.queries.test']).toBeGreaterThan(0);
    expect(infer['search.queries.train']).toBeGreaterThan(infer['search.queries.test']!);
    for (const method of ['bm25', 'zero-shot', 'head']) {
      const ndcg = infer[`search.${method}.ndcg@10`]!;
      expect(ndcg).toBeGreaterThanOrEqual(0);
      expect(ndcg).toBeLessThanOrEqual(1);
    }
    // the value step valued the training clicks; infer quarantined what the keep share chosen on validation leaves out
    const value = run.outcomes.find((o) => o.step === 'value')!.outcome.metrics!;
    const valued = value['search.clicks.valued']!;
    expect(valued).toBeGreaterThan(0);
    expect(infer['search.clicks.valued']).toBe(valued);
    expect([1, 0.8]).toContain(infer['search.keep']);
    expect(infer['search.clicks.quarantined']).toBe(valued - Math.ceil(infer['search.keep']! * valued - 1e-9));

    // the report's search table carries the same figures, with the paired difference to BM25
    const html = await readFile(path.join(root, 'report', 'report.html'), 'utf8');
    const search = html.slice(html.indexOf('Search (held-out queries)'));
    expect(html).toContain('Search (held-out queries)');
    expect(search).toContain(`for ${infer['search.queries.test']!.toLocaleString('en-US')} test queries`);
    expect(search).toMatch(new RegExp(`<td>trained head</td><td class="num">(<strong>)?${infer['search.head.ndcg@10']!.toFixed(4)}`));
    expect(search).toMatch(/<td>zero-shot encoder<\/td>(<td[^>]*>[^<]*<\/td>|<td[^>]*><strong>[^<]*<\/strong><\/td>){2}<td class="num">[+−]\d\.\d{4} \[/);
    expect(search).toContain(`Click valuation: ${valued.toLocaleString('en-US')} training clicks valued, ${infer['search.clicks.quarantined']!.toLocaleString('en-US')} quarantined`);
  }

  it('refuses a misspelt search setting, naming its path', () => {
    const spec = loadSpecFile(specFile);
    expect(() => parseSpec({ ...spec, infer: { ...spec.infer, search: { epochs: 1, learningRate: 0.1 } } })).toThrow(/infer\.search.*learningRate/);
  });
});
