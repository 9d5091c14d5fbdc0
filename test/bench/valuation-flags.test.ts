import { describe, expect, it } from 'vitest';
import { BenchUsageError } from '../../bench/flags';
import { benchSpec, parseBenchArgs } from '../../bench/valuation/options';
import { realSource } from '../../bench/valuation/datasets';
import path from 'node:path';
import { loadSpecFile } from '../../shared/pipeline/spec';

describe('valuation bench flags', () => {
  it('runs ml-100k over three seeds by default, every setting, choosing (keep, λ, quarantine) among four candidates that read full histories, with T-CE at one rate', () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({ datasets: ['ml-100k'], seeds: 3, seed: 1, baselines: true, quick: false });
    expect(o.settings).toEqual(['uniform-20', 'natural-2', 'clean', 'uniform-10', 'uniform-40', 'popularity-20', 'natural-3']);
    expect(o.sizes.choices.map((c) => [c.keep, c.lambda, c.quarantine])).toEqual([[0.8, 0, 'context'], [0.9, 0, 'context'], [0.8, 0, 'drop'], [0.9, 0, 'drop']]);
    expect(o.sizes.truncateRates).toEqual([0.2]);
  });

  it('takes a subset of settings and names an unknown one with the list to choose from', () => {
    expect(parseBenchArgs(['--settings', 'clean,natural-2']).settings).toEqual(['clean', 'natural-2']);
    expect(() => parseBenchArgs(['--settings', 'clean,uniform-30'])).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['--settings', 'clean,uniform-30'])).toThrow(/unknown uniform-30; choose from uniform-20, natural-2, clean/);
    expect(() => parseBenchArgs(['--seeds', '0'])).toThrow(/--seeds=0/);
  });

  it('runs Beauty at 20 % uniform by default, adds the file as shipped with --beauty-settings, and names an unknown one', () => {
    expect(parseBenchArgs([]).beautySettings).toEqual(['uniform-20']);
    expect(parseBenchArgs(['--beauty-settings', 'as-shipped']).beautySettings).toEqual(['as-shipped']);
    expect(parseBenchArgs(['--beauty-settings', 'uniform-20,as-shipped']).beautySettings).toEqual(['uniform-20', 'as-shipped']);
    expect(() => parseBenchArgs(['--beauty-settings', 'natural-2'])).toThrow(/--beauty-settings: unknown natural-2; choose from uniform-20, as-shipped/);
    expect(() => parseBenchArgs(['--beauty-settings', 'as shipped'])).toThrow(/--beauty-settings/);
  });

  it('values with the spec\'s cross-fit and trains the shipped ml-100k model', () => {
    const spec = benchSpec(parseBenchArgs([]).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k');
    const shipped = loadSpecFile(path.resolve(__dirname, '../../specs/ml-100k.json')).valuation;
    expect(shipped).toMatchObject({ method: 'cross-fit', folds: 2, warmupEpochs: 12, score: 'logProb' });
    const { folds, warmupEpochs, score, rounds, refitKeep, directions } = shipped as typeof shipped & { method: 'cross-fit' };
    expect(spec.valuation).toMatchObject({ method: shipped.method, folds, warmupEpochs, score, rounds, refitKeep, directions });
    expect(spec.pretrain.encoder).toMatchObject({ dim: 64, layers: 2 });
    expect([spec.pretrain.seed, spec.finetune.seed, spec.finetune.epochs]).toEqual([7, 7, 14]);
  });

  it('values with training dynamics when asked, and names an unknown method', () => {
    const spec = benchSpec(parseBenchArgs(['--method', 'dynamics']).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k');
    expect(spec.valuation).toMatchObject({ method: 'dynamics', warmupEpochs: 4 });
    expect(() => parseBenchArgs(['--method', 'shapley'])).toThrow(/--method/);
  });

  it('sets the value step\'s folds, warm-up and score, and runs detection alone with --payoff off; names a bad value', () => {
    const o = parseBenchArgs(['--folds', '4', '--warmup-epochs', '12', '--score', 'outranks', '--payoff', 'off']);
    expect(o.payoff).toBe(false);
    const spec = benchSpec(o.sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k');
    expect(spec.valuation).toMatchObject({ method: 'cross-fit', folds: 4, warmupEpochs: 12, score: 'outranks' });
    expect(benchSpec(parseBenchArgs(['--method', 'dynamics', '--warmup-epochs', '6']).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k').valuation).toMatchObject({ method: 'dynamics', warmupEpochs: 6 });
    expect(() => parseBenchArgs(['--folds', '1'])).toThrow(/--folds=1: must be at least 2/);
    expect(() => parseBenchArgs(['--score', 'rank'])).toThrow(/--score/);
    expect(() => parseBenchArgs(['--payoff', 'yes'])).toThrow(/--payoff/);
  });

  it('trains the model of the clean data only with --clean-model on, as one round of the value step\'s cross-fit flags whatever the method; names a bad value', () => {
    expect(parseBenchArgs([]).sizes.cleanModel).toBeUndefined();
    expect(parseBenchArgs(['--clean-model', 'on', '--rounds', '2', '--score-items', '1024']).sizes.cleanModel).toEqual({ folds: 2, warmupEpochs: 12, rounds: 1, refitKeep: 0.9, directions: 'forward', score: 'logProb', scoreItems: 1024 });
    expect(parseBenchArgs(['--clean-model', 'on', '--method', 'dynamics', '--warmup-epochs', '1']).sizes.cleanModel).toMatchObject({ folds: 2, warmupEpochs: 1, rounds: 1 });
    expect(() => parseBenchArgs(['--clean-model', 'yes'])).toThrow(/--clean-model/);
  });

  it('values in rounds with --rounds and --refit-keep, in both directions with --directions both; names a bad value', () => {
    expect(benchSpec(parseBenchArgs(['--rounds', '2', '--refit-keep', '0.8']).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k').valuation).toMatchObject({ method: 'cross-fit', rounds: 2, refitKeep: 0.8 });
    expect(benchSpec(parseBenchArgs(['--directions', 'both']).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k').valuation).toMatchObject({ method: 'cross-fit', directions: 'both' });
    expect(() => parseBenchArgs(['--directions', 'sideways'])).toThrow(/--directions/);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds=0: must be at least 1/);
    expect(() => parseBenchArgs(['--refit-keep', '1'])).toThrow(/--refit-keep=1: must be in \(0, 1\)/);
  });

  it('fixes the valued fine-tune\'s choice with --choice and leaves out T-CE with --tce off; names a bad choice', () => {
    const o = parseBenchArgs(['--choice', '0.9/drop', '--tce', 'off']);
    expect(o.sizes.choices).toEqual([{ keep: 0.9, lambda: 0, quarantine: 'drop' }]);
    expect(o.sizes.truncateRates).toEqual([]);
    expect(parseBenchArgs([]).sizes.choices.length).toBeGreaterThan(1);
    expect(parseBenchArgs([]).sizes.truncateRates.length).toBeGreaterThan(0);
    expect(() => parseBenchArgs(['--choice', '0.9'])).toThrow(/--choice=0.9: KEEP\/MODE/);
    expect(() => parseBenchArgs(['--choice', '0/context'])).toThrow(/--choice/);
    expect(() => parseBenchArgs(['--choice', '0.0/context'])).toThrow(/--choice=0.0\/context: the keep share must be in \(0, 1\]/);
    expect(parseBenchArgs(['--choice', '1.0/context']).sizes.choices).toEqual([{ keep: 1, lambda: 0, quarantine: 'context' }]);
    expect(parseBenchArgs(['--choice', '0.9/everywhere']).sizes.choices).toEqual([{ keep: 0.9, lambda: 0, quarantine: 'everywhere' }]);
    expect(parseBenchArgs(['--choice', '0.9/hidden']).sizes.choices).toEqual([{ keep: 0.9, lambda: 0, quarantine: 'hidden' }]);
    expect(() => parseBenchArgs(['--choice', '0.9/hide'])).toThrow(/--choice=0.9\/hide: KEEP\/MODE: a keep share in \(0, 1\] and one of context, drop, hidden, everywhere/);
    expect(parseBenchArgs([]).chooseOnEverySeed).toBe(false);
    expect(parseBenchArgs(['--choose-on', 'every-seed']).chooseOnEverySeed).toBe(true);
    expect(() => parseBenchArgs(['--choose-on', 'best-seed'])).toThrow(/--choose-on/);
    expect(() => parseBenchArgs(['--tce', 'no'])).toThrow(/--tce/);
  });

  it('scores cross-fit against a sample of the catalogue with --score-items, the whole catalogue without; names a bad count', () => {
    const sampled = benchSpec(parseBenchArgs(['--score-items', '4096']).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k');
    expect(sampled.valuation).toMatchObject({ method: 'cross-fit', scoreItems: 4096 });
    expect(benchSpec(parseBenchArgs([]).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k').valuation).not.toHaveProperty('scoreItems');
    expect(() => parseBenchArgs(['--score-items', '8'])).toThrow(/--score-items=8: must be at least 16/);
    expect(() => parseBenchArgs(['--score-items', 'many'])).toThrow(/--score-items/);
  });

  it('values with output-layer TracIn when asked, and runs detection only with --payoff off', () => {
    const options = parseBenchArgs(['--method', 'tracin-output', '--payoff', 'off']);
    expect(benchSpec(options.sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k').valuation).toMatchObject({ method: 'tracin-output', warmupEpochs: 4 });
    expect([options.payoff, parseBenchArgs([]).payoff]).toEqual([false, true]);
    expect(() => parseBenchArgs(['--payoff', 'maybe'])).toThrow(/--payoff/);
  });

  it('values with DEALRec or a chosen training-dynamics reading when asked, and names a bad reading', () => {
    const spec = (args: string[]) => benchSpec(parseBenchArgs(args).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k');
    expect(spec(['--method', 'dealrec', '--effort-weight', '0.5']).valuation).toMatchObject({ method: 'dealrec', warmupEpochs: 4, effortWeight: 0.5 });
    expect(spec(['--method', 'dynamics', '--dynamics-score', 'margin']).valuation).toMatchObject({ method: 'dynamics', dynamicsScore: 'margin' });
    expect(spec(['--method', 'dynamics']).valuation).toMatchObject({ dynamicsScore: 'mean-loss' });
    expect(() => parseBenchArgs(['--method', 'dynamics', '--dynamics-score', 'aum'])).toThrow(/--dynamics-score/);
    expect(() => parseBenchArgs(['--method', 'dealrec', '--effort-weight=-1'])).toThrow(/--effort-weight=-1: must be at least 0/);
    expect(spec(['--method', 'dealrec', '--strata', '20']).valuation).toMatchObject({ method: 'dealrec', strata: 20 });
    expect(spec(['--method', 'dealrec']).valuation).not.toHaveProperty('strata');
    expect(() => parseBenchArgs(['--strata', '1'])).toThrow(/--strata=1: must be at least 2/);
    expect(spec(['--method', 'tracin-output', '--last-block', 'on']).valuation).toMatchObject({ method: 'tracin-output', lastBlock: true });
    expect(spec(['--method', 'tracin-output']).valuation).toMatchObject({ lastBlock: false });
  });

  it('refreshes dynamics values during the fine-tune with one fixed choice, which the value step is given, and says what is missing otherwise', () => {
    const spec = (args: string[]) => benchSpec(parseBenchArgs(args).sizes, 'ml-100k', realSource('ml-100k'), 7, 'ml-100k');
    expect(spec(['--method', 'dynamics', '--refreshes', '2', '--choice', '0.9/drop']).valuation).toMatchObject({ method: 'dynamics', refreshes: 2, warmupEpochs: 4, keep: 0.9, lambda: 0, quarantine: 'drop' });
    expect(spec(['--method', 'dynamics', '--choice', '0.9/drop']).valuation).not.toHaveProperty('refreshes');
    expect(spec(['--method', 'dynamics', '--refreshes', '3', '--warmup-epochs', '3', '--choice', '0.9/hidden']).valuation).toMatchObject({ refreshes: 3, warmupEpochs: 3, quarantine: 'hidden' });
    expect(() => parseBenchArgs(['--method', 'dealrec', '--refreshes', '2', '--choice', '0.9/drop'])).toThrow(/--refreshes: values refreshed during the fine-tune are a setting of --method dynamics, not dealrec/);
    expect(() => parseBenchArgs(['--method', 'dynamics', '--refreshes', '2'])).toThrow(/--refreshes needs --choice KEEP\/context, KEEP\/drop or KEEP\/hidden/);
    expect(() => parseBenchArgs(['--method', 'dynamics', '--refreshes', '2', '--choice', '0.9/everywhere'])).toThrow(/'everywhere' pretrains a new model/);
    expect(() => parseBenchArgs(['--method', 'dynamics', '--refreshes', '0', '--choice', '0.9/drop'])).toThrow(/--refreshes=0: must be at least 1/);
  });
});
