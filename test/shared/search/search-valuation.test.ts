// Valuation of logged search clicks (shared/search/search-valuation.ts) and the kept set the
// head trains on, on small planted data whose text embeddings say nothing about relevance, so
// only what a head learns from the other clicks can tell a relevant click from an irrelevant one.
import { describe, expect, it } from 'vitest';
import { matrix, unit } from '../../support/planted-vectors';
import { Random } from '../../../shared/random';
import { parseSpec } from '../../../shared/pipeline/spec';
import { plantIrrelevantClicks } from '../../../shared/search/irrelevant-clicks';
import { droppedClicks, withoutClicks } from '../../../shared/search/kept-clicks';
import { splitQueries } from '../../../shared/search/query-split';
import { compareSearchRankers } from '../../../shared/search/search-comparison';
import { searchValuationSchema } from '../../../shared/search/search-spec';
import { buildSearchTask, SearchInputError, type JudgmentRecord, type LoggedSearchRecord } from '../../../shared/search/search-task';
import { valuedClickEntries, valueSearchClicks, zeroShotClickValues } from '../../../shared/search/search-valuation';
import { noiseDetectionQuality } from '../../../shared/valuation/detection';
import { tinySpec } from '../../support/pipeline';

const GROUPS = 4;

/**
 * A query of group g wants the items of group (g + 1) mod 4, and query and item embeddings come
 * from unrelated prototypes (the zero-shot cosine is at chance). Each search shows 3 wanted and
 * 3 other items and one wanted item is clicked; then 20 % of the clicks move to irrelevant items.
 */
function noisyTask(seed: number) {
  const rng = new Random(seed);
  const queryPrototype = Array.from({ length: GROUPS }, () => unit(rng));
  const itemPrototype = Array.from({ length: GROUPS }, () => unit(rng));
  const itemGroup = Array.from({ length: 48 }, (_, i) => i % GROUPS);
  const queryGroup = Array.from({ length: 60 }, (_, q) => q % GROUPS);
  const searches: LoggedSearchRecord[] = [];
  const judgments: JudgmentRecord[] = [];
  queryGroup.forEach((g, q) => {
    const good = itemGroup.flatMap((h, i) => (h === (g + 1) % GROUPS ? [i] : []));
    const other = itemGroup.flatMap((h, i) => (h === (g + 1) % GROUPS ? [] : [i]));
    for (let s = 0; s < 6; s++) {
      const shown = [...rng.sampleIndices(good.length, 3)].map((k) => good[k]!);
      const others = [...rng.sampleIndices(other.length, 3)].map((k) => other[k]!);
      searches.push({ query: `query ${q}`, results: [...shown.map((i, k) => ({ item: `I${i}`, gain: k === 0 ? 1 : 0 })), ...others.map((i) => ({ item: `I${i}`, gain: 0 }))], source: `search ${q}.${s}` });
    }
    for (const i of good) judgments.push({ query: `query ${q}`, item: `I${i}`, gain: 1, source: `planted ${q}` });
  });
  const { task, rejects } = buildSearchTask(itemGroup.map((_, i) => ({ id: `I${i}`, text: `item ${i}` })), searches, judgments);
  expect(rejects).toEqual([]);
  const planted = plantIrrelevantClicks(task, 0.2, seed);
  const embeddings = { queries: matrix(queryGroup.map((g) => unit(rng, queryPrototype[g], 0.35))), items: matrix(itemGroup.map((g) => unit(rng, itemPrototype[g], 0.35))) };
  return { task, planted, embeddings, split: splitQueries(task.queryTexts.length, 3) };
}

describe('valuation of search clicks', () => {
  it('plants irrelevant clicks on items the judgments give no relevance, a fifth of the clicks', () => {
    const { task, planted } = noisyTask(4);
    const clicks = valuedClickEntries(task, Int32Array.from(task.queryTexts.keys()));
    expect(clicks.length).toBe(360);
    expect(planted.noisy.reduce((a, b) => a + b, 0)).toBe(72);
    for (const p of clicks) {
      const q = task.searchQuery[task.searches.start.findLastIndex((start) => start <= p)]!;
      const judged = new Set(task.judgments.item.subarray(task.judgments.start[q]!, task.judgments.start[q + 1]!));
      expect(judged.has(planted.task.searches.item[p]!)).toBe(!planted.noisy[p]);
    }
  });

  it.each(['cross-fit', 'dynamics'] as const)('%s gives the planted irrelevant clicks lower values than the relevant ones (AUC well above chance, where the zero-shot cosine is at chance)', (method) => {
    const { planted, embeddings, split } = noisyTask(4);
    const valued = valueSearchClicks(planted.task, embeddings, split.train, { method, warmupEpochs: 30, learningRate: 0.02, rank: 8 }, 5);
    const noisy = Uint8Array.from(valued.entries, (p) => planted.noisy[p]!);
    expect(valued.entries).toEqual(valuedClickEntries(planted.task, split.train));
    const quality = noiseDetectionQuality(valued.values, noisy);
    const zeroShot = noiseDetectionQuality(zeroShotClickValues(planted.task, embeddings, split.train).values, noisy);
    console.log(`${method}: AUC ${quality.auc.toFixed(3)}, k-means F1 ${quality.kmeansF1.toFixed(3)}; zero-shot cosine AUC ${zeroShot.auc.toFixed(3)} (${noisy.reduce((a, b) => a + b, 0)} of ${noisy.length} clicks planted)`);
    expect(Math.abs(zeroShot.auc - 0.5)).toBeLessThan(0.15);
    expect(quality.auc).toBeGreaterThan(0.85);
    expect(quality.kmeansF1).toBeGreaterThan(0.5);
  });

  it('trains the head on the kept clicks: the lowest-valued ones leave their searches and the rest stay in order', async () => {
    const { planted, embeddings, split } = noisyTask(4);
    const entries = valuedClickEntries(planted.task, split.train);
    // values that know the truth: every planted click below every relevant one
    const valued = { entries, values: Float64Array.from(entries, (p) => (planted.noisy[p] ? -1 : 1) + p * 1e-6) };
    const noisyEntries = entries.filter((p) => planted.noisy[p]);
    const dropped = droppedClicks(valued, 1 - noisyEntries.length / entries.length);
    expect(Array.from(dropped)).toEqual(Array.from(noisyEntries));

    const kept = withoutClicks(planted.task, dropped);
    expect(kept.searches.item.length).toBe(planted.task.searches.item.length - dropped.length);
    const droppedSet = new Set(dropped);
    const survivors = Array.from(planted.task.searches.item).filter((_, p) => !droppedSet.has(p));
    expect(Array.from(kept.searches.item)).toEqual(survivors);
    expect(kept.judgments).toBe(planted.task.judgments);

    const options = { epochs: 6, ranks: [8], learningRates: [0.01], impressionNegatives: [false], validationShare: 0.2, testShare: 0.2, seed: 3, valuation: { keeps: [1, 1 - noisyEntries.length / entries.length] } };
    const run = await compareSearchRankers(planted.task, { ...embeddings, encodeSeconds: 0 }, options, valued);
    expect(run.kept!.valued).toBe(entries.length);
    expect(run.kept!.byKeep.map((k) => k.keep)).toEqual(options.valuation.keeps);
    const chosen = run.kept!.byKeep.find((k) => k.keep === run.kept!.keep)!;
    expect(chosen.validation).toBe(Math.max(...run.kept!.byKeep.map((k) => k.validation)));
    expect(run.kept!.dropped.length).toBe(run.kept!.keep === 1 ? 0 : noisyEntries.length);
  });

  it('refuses values of other clicks than the task\'s training searches, and too many folds for the searches', async () => {
    const { planted, embeddings, split } = noisyTask(4);
    const entries = valuedClickEntries(planted.task, split.train);
    const stale = { entries: entries.subarray(1), values: new Float64Array(entries.length - 1) };
    await expect(compareSearchRankers(planted.task, { ...embeddings, encodeSeconds: 0 }, { epochs: 0, seed: 3 }, stale)).rejects.toThrow(/do not match the \d+ clicks of this task's training searches/);
    const oneQuery = Int32Array.of(split.train[0]!);
    expect(() => valueSearchClicks(planted.task, embeddings, oneQuery, { method: 'cross-fit', folds: 10 }, 1)).toThrow(SearchInputError);
    expect(() => valueSearchClicks(planted.task, embeddings, oneQuery, { method: 'cross-fit', folds: 10 }, 1)).toThrow(/6 training searches cannot fill 10 folds/);
  });

  it('rejects bad valuation settings with the field and the reason', () => {
    expect(() => searchValuationSchema.parse({ keeps: [0.8, 0] })).toThrow(/a keep share must be in \(0, 1\]/);
    expect(() => searchValuationSchema.parse({ folds: 1 })).toThrow(/folds/);
    expect(() => searchValuationSchema.parse({ method: 'knn-shapley' })).toThrow(/cross-fit.*dynamics/);
    const spec = tinySpec('search-valuation');
    expect(() => parseSpec({ ...spec, infer: { ...spec.infer, search: { valuation: { keeps: [1.5] } } } })).toThrow(/infer\.search\.valuation\.keeps.*a keep share must be in \(0, 1\]/s);
    expect(() => parseSpec({ ...spec, infer: { ...spec.infer, search: { valuation: { keep: 0.8 } } } })).toThrow(/infer\.search\.valuation.*keep/s);
  });
});
