import { describe, expect, it } from 'vitest';
import { BenchUsageError } from '../../bench/flags';
import { parseFlags, specFor } from '../../bench/quality';

describe('quality bench flags', () => {
  it('lays the model and loss flags over the dataset plan', () => {
    const spec = specFor('amazon-beauty', parseFlags(['--negatives', '4096', '--sampler', 'popularity', '--heads', '1', '--ffn', '1', '--dropout', '0.1']));
    for (const step of [spec.pretrain, spec.finetune]) expect(step.loss).toEqual({ kind: 'sampled', negatives: 4096, sampler: 'popularity' });
    expect(spec.pretrain.encoder).toMatchObject({ heads: 1, ffnMultiplier: 1, dropout: 0.1, maxLen: 50 });
    const threaded = specFor('ml-100k', parseFlags(['--threads', '2']));
    expect([threaded.pretrain.threads, threaded.finetune.threads]).toEqual([2, 2]);
    // --lazy-adam sets the optimizer's row mode and keeps the plan's learning rate, and --lr the reverse
    const lazy = specFor('amazon-beauty', parseFlags(['--lazy-adam', 'on'])).finetune.optimizer;
    expect([lazy.lazyRows, specFor('amazon-beauty', parseFlags([])).finetune.optimizer.lazyRows]).toEqual([true, false]);
    expect(specFor('amazon-beauty', parseFlags(['--lr', '0.002'])).finetune.optimizer).toMatchObject({ lr: 0.002, lazyRows: false });
    expect(specFor('ml-100k', parseFlags(['--lr-decay', '0.8'])).finetune.optimizer.lrDecayPerEpoch).toBe(0.8);
    expect(specFor('amazon-beauty', parseFlags(['--weight-decay', '0.02'])).finetune.optimizer.weightDecay).toBe(0.02);
    expect(specFor('amazon-beauty', parseFlags([])).finetune.optimizer.weightDecay).toBe(0.02);
    expect(specFor('ml-100k', parseFlags([])).finetune.optimizer.weightDecay).toBe(0);
    // the sampler alone keeps the plan's number of negatives
    const planned = specFor('amazon-beauty', parseFlags(['--sampler', 'uniform'])).finetune.loss;
    expect(planned).toMatchObject({ kind: 'sampled', sampler: 'uniform' });
    // and --negatives alone keeps the plan's sampler
    const plannedSampler = specFor('amazon-beauty', parseFlags([])).finetune.loss;
    expect(specFor('amazon-beauty', parseFlags(['--negatives', '64'])).finetune.loss).toEqual({ ...plannedSampler, negatives: 64 });
  });

  it('names a bad flag, its value and the reason', () => {
    expect(() => parseFlags(['--sampler', 'zipf'])).toThrow(BenchUsageError);
    expect(() => parseFlags(['--sampler', 'zipf'])).toThrow(/--sampler=zipf: must be uniform or popularity/);
    expect(() => parseFlags(['--heads', '0'])).toThrow(/--heads=0: must be at least 1/);
    expect(() => parseFlags(['--dropout', '1.5'])).toThrow(/--dropout=1.5: must be ≤ 0.9/);
    expect(() => parseFlags(['--threads', '64'])).toThrow(/--threads=64: must be at most 32/);
    expect(() => parseFlags(['--lazy-adam', 'yes'])).toThrow(/--lazy-adam=yes: must be on or off/);
    expect(() => parseFlags(['--lr-decay', '1.2'])).toThrow(/--lr-decay=1.2: must be ≤ 1 \(1 = constant\)/);
    expect(() => parseFlags(['--weight-decay=-0.1'])).toThrow(/--weight-decay=-0.1: must be ≥ 0/);
    expect(() => parseFlags(['--bogus', '1'])).toThrow(/Unknown option '--bogus'[\s\S]*usage: npm run bench -- quality/);
  });

  it('refuses a sampler where the plan or the flags ask for the full softmax', () => {
    expect(() => specFor('ml-100k', parseFlags(['--sampler', 'popularity']))).toThrow(/ml-100k trains with the full softmax; add --negatives N/);
    expect(() => specFor('amazon-beauty', parseFlags(['--negatives', '0', '--sampler', 'uniform']))).toThrow(BenchUsageError);
  });

  it('reports a head count that does not divide the width against the pipeline schema', () => {
    expect(() => specFor('ml-100k', parseFlags(['--heads', '3']))).toThrow(/heads/);
  });
});
