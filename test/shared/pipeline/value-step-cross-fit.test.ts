import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBare } from '../../../shared/pipeline/bare';
import { loadSpecFile } from '../../../shared/pipeline/spec';
import { loadCheckpoint } from '../../../shared/ml/checkpoint';
import type { CheckpointMeta } from '../../../shared/ml/training-loop';
import { tempDir } from '../data/helpers';
import { valuedNdcgAsRead } from '../../support/valued-reads';

describe('the value step with cross-fit', () => {
  // one bare run per cross-fit setting, shared by the tests that read it
  const runs = new Map<string, ReturnType<typeof runBare>>();
  const runWith = (settings: { rounds?: number; directions?: 'both' } = {}) => {
    const key = JSON.stringify(settings);
    const spec = loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { valuation: { method: 'cross-fit', folds: 2, warmupEpochs: 1, keep: 0.6, refitKeep: 0.5, ...settings } } as never);
    expect(spec.valuation.method).toBe('cross-fit');
    if (!runs.has(key)) runs.set(key, runBare(spec));
    return runs.get(key)!;
  };
  const summaryWith = async (settings?: Parameters<typeof runWith>[0]) => (await runWith(settings)).outcomes.find((o) => o.step === 'value')!.outcome.valueSummary!;

  it('values every training interaction with held-out warm-up fine-tunes and hands the top keep to the valued fine-tune', async () => {
    const run = await runWith();
    const value = run.outcomes.find((o) => o.step === 'value')!.outcome;
    expect(value.valueSummary?.method).toBe('cross-fit');
    const examples = value.metrics.examples!;
    expect(examples).toBeGreaterThan(1000);
    expect(value.metrics.kept).toBe(Math.ceil(0.6 * examples));
    expect(value.metrics.quarantined).toBe(examples - Math.ceil(0.6 * examples));
    // log-probabilities under a softmax over the catalogue: negative, and not all equal
    expect(value.valueSummary!.max).toBeLessThan(0);
    expect(value.valueSummary!.min).toBeLessThan(value.valueSummary!.max);
    const valued = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'valued')!.outcome;
    expect(valued.metrics.trainExamples).toBe(Math.ceil(0.6 * examples));
    expect(run.outcomes.map((o) => o.step)).toContain('infer');
  });

  it('values again with refit fold models when the spec asks for two rounds', async () => {
    const [one, two] = [await summaryWith(), await summaryWith({ rounds: 2 })];
    expect(two.method).toBe('cross-fit');
    // the same folds and seed: only the second round's training rows differ
    expect(two.mean).not.toBe(one.mean);
  });

  it('values from the items after each interaction too when the spec asks for both directions', async () => {
    const [forward, both] = [await summaryWith(), await summaryWith({ directions: 'both' })];
    expect(both.method).toBe('cross-fit');
    // the forward reading's folds and seed, with the backward one's log-probabilities averaged in
    expect(both.mean).not.toBe(forward.mean);
    expect(both.max).toBeLessThan(0);
  });
});

describe('the value step with training dynamics, and the valued fine-tune\'s quarantine and truncated loss', () => {
  it('values from one logged warm-up, then fine-tunes on the kept interactions alone (quarantine drop) with the truncated loss', async () => {
    const spec = loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { valuation: { method: 'dynamics', warmupEpochs: 2, keep: 0.7, quarantine: 'drop', truncate: { rate: 0.1, warmupEpochs: 1 } } } as never);
    const run = await runBare(spec);
    const value = run.outcomes.find((o) => o.step === 'value')!.outcome;
    expect(value.valueSummary?.method).toBe('dynamics');
    const examples = value.metrics.examples!;
    // negated mean cross-entropies: negative, and not all equal
    expect(value.valueSummary!.max).toBeLessThan(0);
    expect(value.valueSummary!.min).toBeLessThan(value.valueSummary!.max);
    const valued = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'valued')!.outcome;
    const control = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'control')!.outcome;
    expect(valued.metrics.trainExamples).toBe(Math.ceil(0.7 * examples));
    expect(control.metrics.trainExamples).toBe(examples);
    expect(run.outcomes.map((o) => o.step)).toContain('infer');
  });
});

describe('values refreshed during the fine-tune (dynamics with refreshes)', () => {
  // quarantine 'hidden': the segments drop what the refreshes moved out (as 'drop', dynamics-schedule.test.ts),
  // and the valued model reads histories without it
  it('trains the first epochs in the value step, then fine-tunes the rest from its model on what the refreshes kept', async () => {
    const spec = loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { finetune: { epochs: 3, batchSize: 128 }, valuation: { method: 'dynamics', warmupEpochs: 1, refreshes: 2, keep: 0.7, lambda: 0, quarantine: 'hidden' } } as never);
    const root = tempDir();
    const run = await runBare(spec, { root });
    // the last segment's model, published beside the values for the valued fine-tune to continue
    const { meta } = await loadCheckpoint<CheckpointMeta>(path.join(root, 'value'));
    expect([meta.kind, meta.epochsDone]).toEqual(['finetune', 1]);
    const value = run.outcomes.find((o) => o.step === 'value')!.outcome;
    const examples = value.metrics.examples!;
    expect(value.metrics.kept).toBe(Math.ceil(0.7 * examples));
    // bands: the refreshes an interaction stayed in through, plus its rank in the band
    expect(value.valueSummary!.min).toBeGreaterThanOrEqual(0);
    expect(value.valueSummary!.max).toBeLessThan(3);
    const valued = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'valued')!.outcome;
    const control = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'control')!.outcome;
    expect(valued.metrics.epochs).toBe(1);
    expect(control.metrics.epochs).toBe(3);
    expect(valued.metrics.trainExamples).toBe(Math.ceil(0.7 * examples));
    // 'hidden' pretrains nothing again: one pretrain, the one the schedule started from
    expect(run.outcomes.filter((o) => o.step === 'pretrain').map((o) => o.variant)).toEqual([undefined]);
    // inference scored the valued model from the histories without what the schedule moved out
    const { reported, asQuarantined, fullHistories } = await valuedNdcgAsRead(run, root, spec);
    expect(asQuarantined.means.ndcg).toBe(reported);
    expect(fullHistories.means.ndcg).not.toBe(reported);
  });
});

describe('the value step with output-layer TracIn', () => {
  it('values every training interaction by its output-layer gradient against the validation gradient, then fine-tunes on the top keep', async () => {
    const spec = loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { valuation: { method: 'tracin-output', warmupEpochs: 1, maxValidPoints: 50, keep: 0.7 } } as never);
    const run = await runBare(spec);
    const value = run.outcomes.find((o) => o.step === 'value')!.outcome;
    expect(value.valueSummary?.method).toBe('tracin-output');
    const examples = value.metrics.examples!;
    expect(examples).toBeGreaterThan(1000);
    expect(Number.isFinite(value.valueSummary!.mean)).toBe(true);
    expect(value.valueSummary!.min).toBeLessThan(value.valueSummary!.max);
    const valued = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'valued')!.outcome;
    expect(valued.metrics.trainExamples).toBe(Math.ceil(0.7 * examples));
  });
});
describe('the value step with DEALRec', () => {
  it('values every training interaction by influence and effort, then fine-tunes on the keep share drawn across bands of value', async () => {
    const spec = loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { valuation: { method: 'dealrec', warmupEpochs: 1, influencePoints: 200, keep: 0.7, strata: 10 } } as never);
    const run = await runBare(spec);
    const value = run.outcomes.find((o) => o.step === 'value')!.outcome;
    expect(value.valueSummary?.method).toBe('dealrec');
    // the sum of two standardised scores: mean 0 over the interactions
    expect(Math.abs(value.valueSummary!.mean)).toBeLessThan(1e-6);
    expect(value.valueSummary!.min).toBeLessThan(value.valueSummary!.max);
    const valued = run.outcomes.find((o) => o.step === 'finetune' && o.variant === 'valued')!.outcome;
    expect(valued.metrics.trainExamples).toBe(Math.ceil(0.7 * value.metrics.examples!));
  });
});

