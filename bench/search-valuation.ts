// The valuation part of `npm run bench -- search --irrelevant-clicks <share>`: on a synthetic
// search task with that share of its clicks moved to irrelevant items (planted relevance 0,
// shared/search/irrelevant-clicks.ts), how well each valuation finds them (detection AUC and
// k-means F1 over the training queries' clicks), and what training the head on the valued set
// buys: the head on every click, on the kept clicks (keep share chosen on validation queries),
// on a random subset of the same size, and on the clean logs as the ceiling; test NDCG@10 once.
import { pairedDifference } from '../shared/eval/paired-difference';
import { plantIrrelevantClicks } from '../shared/search/irrelevant-clicks';
import { compareSearchRankers, comparisonSplit, encodeSearchTask, type SearchComparison } from '../shared/search/search-comparison';
import type { SearchComparisonOptions, SearchValuationOptions } from '../shared/search/search-spec';
import type { SearchTask } from '../shared/search/search-task';
import { valuedClickEntries, valueSearchClicks, zeroShotClickValues, type SearchValues } from '../shared/search/search-valuation';
import type { SentenceEncoder } from '../shared/text/sentence-encoder';
import { noiseDetectionQuality } from '../shared/valuation/detection';
import { Sfc32 } from '../shared/random';

export interface SearchValuationBench {
  readonly share: number;
  readonly valuation: SearchValuationOptions;
}

export async function benchSearchValuation(task: SearchTask, encoder: SentenceEncoder, comparison: SearchComparisonOptions, bench: SearchValuationBench): Promise<void> {
  const seed = comparison.seed ?? 7;
  const planted = plantIrrelevantClicks(task, bench.share, seed);
  const encoded = await encodeSearchTask(planted.task, encoder);
  const split = comparisonSplit(planted.task, comparison);
  const noisyOf = (v: SearchValues) => Uint8Array.from(v.entries, (p) => planted.noisy[p]!);

  const methods: { name: string; run: () => SearchValues }[] = [
    { name: 'cross-fit (held-out log p over the catalogue)', run: () => valueSearchClicks(planted.task, encoded, split.train, { ...bench.valuation, method: 'cross-fit' }, seed) },
    { name: 'dynamics (mean log p over warm-up epochs)', run: () => valueSearchClicks(planted.task, encoded, split.train, { ...bench.valuation, method: 'dynamics' }, seed) },
    { name: 'zero-shot cosine (untrained head, reference)', run: () => zeroShotClickValues(planted.task, encoded, split.train) },
    { name: 'random (reference)', run: () => randomValues(planted.task, split.train, seed) },
  ];
  const results = new Map<string, SearchValues>();
  console.log(`\n### Valuation of the training queries' clicks, ${Math.round(bench.share * 100)} % moved to irrelevant items (planted relevance 0)`);
  console.log(`valuation settings: ${JSON.stringify(bench.valuation)}`);
  console.log('\n| method | valued clicks | planted irrelevant | AUC | k-means F1 | seconds |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const method of methods) {
    const started = performance.now();
    const values = method.run();
    const seconds = (performance.now() - started) / 1000;
    results.set(method.name, values);
    const noisy = noisyOf(values);
    const q = noiseDetectionQuality(values.values, noisy);
    console.log(`| ${method.name} | ${values.entries.length} | ${noisy.reduce((a, b) => a + b, 0)} | ${q.auc.toFixed(4)} | ${q.kmeansF1.toFixed(4)} | ${seconds.toFixed(1)} |`);
  }

  const valuation = { ...bench.valuation };
  const chosenMethod = valuation.method ?? 'dynamics';
  const valued = results.get(methods[chosenMethod === 'cross-fit' ? 0 : 1]!.name)!;
  const options = { ...comparison, valuation };
  const all = await compareSearchRankers(planted.task, encoded, options);
  const kept = await compareSearchRankers(planted.task, encoded, options, valued);
  const keep = kept.kept!.keep;
  const random = await compareSearchRankers(planted.task, encoded, { ...options, valuation: { ...valuation, keeps: [keep] } }, randomValues(planted.task, split.train, seed + 1));
  const clean = await compareSearchRankers(task, encoded, comparison);
  console.log(`\nkeep share chosen on validation with ${chosenMethod} values: ${keep} (validation NDCG@10 by keep: ${kept.kept!.byKeep.map((k) => `${k.keep} → ${k.validation.toFixed(4)}`).join(', ')})`);
  const noisyIn = (run: SearchComparison) => {
    const dropped = new Set(run.kept?.dropped ?? []);
    return valued.entries.reduce((n, p) => n + (planted.noisy[p] && !dropped.has(p) ? 1 : 0), 0);
  };
  const trained = (run: SearchComparison) => valued.entries.length - (run.kept?.dropped.length ?? 0);
  console.log('\n| head trained on | training clicks | planted irrelevant among them | validation NDCG@10 | test NDCG@10 ± s.e. |');
  console.log('|---|---:|---:|---:|---:|');
  const head = (run: SearchComparison) => run.methods.find((m) => m.name === 'head')!;
  const rows: [string, SearchComparison, string, string][] = [
    ['every click (noisy logs)', all, String(trained(all)), String(noisyIn(all))],
    [`valued set (${chosenMethod}, keep ${keep})`, kept, String(trained(kept)), String(noisyIn(kept))],
    [`random subset (keep ${keep})`, random, String(trained(random)), String(noisyIn(random))],
    ['clean logs (no planted noise; ceiling)', clean, String(trained(all)), '0'],
  ];
  for (const [name, run, clicks, noisy] of rows) {
    const h = head(run);
    console.log(`| ${name} | ${clicks} | ${noisy} | ${h.validation.mean.toFixed(4)} | ${h.test.mean.toFixed(4)} ± ${h.test.standardError.toFixed(4)} |`);
  }
  const base = head(all).test;
  for (const [name, run] of rows.slice(1)) {
    const t = head(run).test;
    const d = pairedDifference(t.queryIds, Float32Array.from(t.perQuery), base.queryIds, Float32Array.from(base.perQuery));
    console.log(`test, ${name} − every click: ${d.difference!.toFixed(4)} (95% CI ${d.low!.toFixed(4)} … ${d.high!.toFixed(4)}, ${d.users} queries paired)`);
  }
}

/** A seeded random value per training click: the removal baseline. */
function randomValues(task: SearchTask, trainQueries: Int32Array, seed: number): SearchValues {
  const entries = valuedClickEntries(task, trainQueries);
  const rng = new Sfc32(seed);
  return { entries, values: Float64Array.from(entries, () => rng.next()) };
}
