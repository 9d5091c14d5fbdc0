// specs/search-esci-ubi.json: the pipeline on the ESCI/UBI sample with infer.search on — the
// value step values the training queries' clicks, the infer step trains the head on the kept
// ones, ranks items for held-out queries and reports NDCG@10 for BM25, the zero-shot encoder and
// the trained head in its metrics. Needs the text model (infra/setup.sh --text-model).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/dev/paths';
import { runBare } from '../../shared/pipeline/bare';
import { loadSpecFile, parseSpec } from '../../shared/pipeline/spec';

const specFile = path.join(repoRoot, 'specs', 'search-esci-ubi.json');

describe('specs/search-esci-ubi.json', () => {
  it('runs end to end and the infer step reports search NDCG@10 on held-out queries for all three rankers', async () => {
    const run = await runBare(loadSpecFile(specFile));
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
  });

  it('refuses a misspelt search setting, naming its path', () => {
    const spec = loadSpecFile(specFile);
    expect(() => parseSpec({ ...spec, infer: { ...spec.infer, search: { epochs: 1, learningRate: 0.1 } } })).toThrow(/infer\.search.*learningRate/);
  });
});
