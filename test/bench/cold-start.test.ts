import { describe, expect, it } from 'vitest';
import { BenchUsageError } from '../../bench/flags';
import { parseFlags } from '../../bench/cold-start';
import { coldExamples, coldStartSplit, rankTargets, warmExamples } from '../../bench/cold-start/protocol';
import { loadReal } from '../../bench/valuation/datasets';

describe('cold-start bench', () => {
  it('takes its sizes from flags, defaults sized for the loaded 2-core host, and names a bad flag', () => {
    expect(parseFlags([])).toEqual({ 'held-out': 0.1, 'epochs-pretrain': 2, 'epochs-finetune': 6, 'id-dropout': 0.5, threads: 2, seed: 42 });
    expect(parseFlags(['--held-out', '0.2', '--epochs-finetune', '3'])).toMatchObject({ 'held-out': 0.2, 'epochs-finetune': 3 });
    expect(() => parseFlags(['--held-out', '0.7'])).toThrow(BenchUsageError);
    expect(() => parseFlags(['--held-out', '0.7'])).toThrow(/--held-out=0.7: must be in \(0, 0.5\]/);
  });

  it('holds the drawn items out of every training row, makes one example per interaction with them, and gives contexts of warm items only', async () => {
    const { ds } = await loadReal('ml-100k');
    const split = coldStartSplit(ds, 0.1, 42);
    const cold = new Set([...split.coldValid, ...split.coldTest]);
    expect(cold.size).toBe(168);
    expect(split.coldValid.some((i) => split.coldTest.includes(i))).toBe(false);
    expect(split.warm.numItems).toBe(ds.numItems - 168);
    for (const i of cold) expect(split.warmIndex[i]).toBe(-1);
    // the warm tables index warm items only, and keep every interaction with them
    const warmRows = (t: typeof ds.train) => Array.from(t.item).filter((i) => !cold.has(i)).length;
    expect(split.warm.train.length).toBe(warmRows(ds.train));
    expect(Math.max(...split.warm.train.item)).toBeLessThan(split.warm.numItems);
    expect(Array.from(split.warm.train.item, (w) => split.warmItems[w]!)).toEqual(Array.from(ds.train.item).filter((i) => !cold.has(i)));

    const examples = coldExamples(ds, split, split.coldTest, 49);
    const all = [ds.train, ds.valid, ds.test].reduce((n, t) => n + Array.from(t.item).filter((i) => split.coldTest.includes(i)).length, 0);
    expect(examples.targets.length).toBe(all);
    for (const w of examples.contexts.items) expect(w).toBeLessThan(split.warm.numItems);
    const warm = warmExamples(split, 'test', 49);
    expect(warm.targets.length).toBe(warmRows(ds.test));
    for (const t of warm.targets) expect(cold.has(t)).toBe(false);
  });

  it('ranks ties against the target and leaves the context out of the candidates', () => {
    // one example: context = warm item 0 (original item 0); target = item 3
    const set = { contexts: { offsets: Int32Array.of(0, 1), items: Int32Array.of(0) }, targets: Int32Array.of(3) };
    const warmItems = Int32Array.of(0, 1, 2);
    const all = Uint8Array.of(1, 1, 1, 1);
    const scores = (values: number[]) => (_: number, out: Float32Array) => out.set(values);
    // item 0 scores highest but is in the context; item 1 ties the target: rank 1
    expect(rankTargets(set, warmItems, all, 1, scores([9, 5, 1, 5])).hr).toBe(0);
    expect(rankTargets(set, warmItems, all, 2, scores([9, 5, 1, 5]))).toMatchObject({ hr: 1, ndcg: 1 / Math.log2(3) });
    expect(rankTargets(set, warmItems, all, 1, scores([9, 4, 1, 5]))).toMatchObject({ hr: 1, ndcg: 1 });
    // an item outside the candidates never outranks the target
    expect(rankTargets(set, warmItems, Uint8Array.of(1, 0, 1, 1), 1, scores([9, 5, 1, 5])).hr).toBe(1);
  });
});
