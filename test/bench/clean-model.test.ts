// The model of the clean data is a reference only while it never trains on a noisy row: its
// pretrain and every fold's warm-up train on the clean rows alone.
import { describe, expect, it } from 'vitest';
import { cleanModelValues } from '../../bench/valuation/clean-model';
import { loadSource, preprocess } from '../../shared/data';
import { selectBackend } from '../../shared/ml/backend';
import { sourceForPartition } from '../../shared/pipeline/spec';
import { tinySpec } from '../support/pipeline';

describe('cleanModelValues', () => {
  it('never trains on a noisy row: new items on noisy rows that no later row reads leave every clean value as it was', async () => {
    await selectBackend('wasm', () => undefined);
    const spec = tinySpec('clean-model');
    const source = sourceForPartition(spec);
    const { dataset: ds } = await preprocess(await loadSource(source), source.preprocess);
    const { user, ts } = ds.train;
    // each user's strictly latest training interaction is noisy: no later training row reads it as context
    const latest = new Int32Array(ds.numUsers).fill(-1);
    const tied = new Uint8Array(ds.numUsers);
    for (let j = 0; j < ds.train.length; j++) {
      const u = user[j]!;
      const k = latest[u]!;
      if (k < 0 || ts[j]! > ts[k]!) [latest[u], tied[u]] = [j, 0];
      else if (ts[j] === ts[k]) tied[u] = 1;
    }
    const noisy = new Uint8Array(ds.train.length);
    latest.forEach((j, u) => {
      if (j >= 0 && !tied[u]) noisy[j] = 1;
    });
    const moved = Int32Array.from(ds.train.item, (item, j) => (noisy[j] ? (item + 1) % ds.numItems : item));
    const crossFit = { folds: 2, warmupEpochs: 1, rounds: 1, refitKeep: 0.9, directions: 'forward', score: 'logProb' } as const;

    const before = await cleanModelValues({ ds, noisy }, spec, crossFit);
    const after = await cleanModelValues({ ds: { ...ds, train: { ...ds.train, item: moved } }, noisy }, spec, crossFit);

    const cleanRows = [...noisy.keys()].filter((j) => !noisy[j]);
    const noisyRows = [...noisy.keys()].filter((j) => noisy[j]);
    expect(noisyRows.length).toBeGreaterThan(10);
    expect(cleanRows.map((j) => after[j])).toEqual(cleanRows.map((j) => before[j]));
    // the noisy rows are still scored, by their new items
    expect(noisyRows.filter((j) => after[j] !== before[j]).length).toBeGreaterThan(noisyRows.length / 2);
  }, 120_000);
});
