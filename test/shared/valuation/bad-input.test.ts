import { describe, expect, it } from 'vitest';
import { valueData, VALUATION_METHODS } from '../../../shared/valuation/methods';
import { knnShapley } from '../../../shared/valuation/knn-shapley';
import { dataOob } from '../../../shared/valuation/data-oob';
import { ValuationInputError } from '../../../shared/valuation/errors';
import { gaussianClasses } from './synthetic';

const train = gaussianClasses(20, 3, 31);
const valid = gaussianClasses(10, 3, 32);
const quiet = { onWarning: (): void => {} };

describe('valuation rejects bad input with an error naming the argument', () => {
  for (const method of VALUATION_METHODS) {
    it(`${method}: empty training set`, async () => {
      const empty = { emb: { rows: 0, cols: 3, data: new Float32Array(0) }, labels: new Int32Array(0) };
      await expect(valueData(method, empty, valid)).rejects.toThrow(/Invalid valuation input train: has no examples/);
    });

    it(`${method}: NaN in an embedding, with its row and column`, async () => {
      const data = train.emb.data.slice();
      data[3 * 4 + 1] = NaN;
      await expect(valueData(method, { ...train, emb: { ...train.emb, data } }, valid)).rejects.toThrow(/train\.emb: row 4, column 1 is NaN/);
    });

    it(`${method}: labels and embedding rows of different lengths`, async () => {
      await expect(valueData(method, { ...train, labels: train.labels.subarray(1) }, valid)).rejects.toThrow(/train\.labels: has 19 labels for 20 embedding rows/);
      await expect(valueData(method, train, { ...valid, emb: { rows: 10, cols: 3, data: new Float32Array(29) } })).rejects.toThrow(/valid\.emb\.data: has 29 values/);
      const wide = gaussianClasses(10, 4, 33);
      await expect(valueData(method, train, wide)).rejects.toThrow(/valid\.emb\.cols: is 4 but train\.emb\.cols is 3/);
    });
  }

  it('knn-shapley: K larger than N', async () => {
    await expect(knnShapley(train, valid, { k: 21 })).rejects.toThrow(/config\.k: is 21 but the training set has only 20 examples/);
    await expect(knnShapley(train, valid, { k: 0 })).rejects.toThrow(ValuationInputError);
  });

  it('knn-shapley: a one-class validation set is valued, with a warning', async () => {
    const oneClass = { ...valid, labels: new Int32Array(10).fill(1) };
    const warnings: string[] = [];
    const values = await knnShapley(train, oneClass, { k: 3, threads: 1, onWarning: (m) => warnings.push(m) });
    expect(values.length).toBe(20);
    expect(warnings.join()).toMatch(/valid\.labels has one class only/);
  });

  it('data-oob, tracin, loss: a one-class training set cannot fit the learner', async () => {
    const oneClass = { ...train, labels: new Int32Array(20) };
    for (const method of ['data-oob', 'tracin', 'loss'] as const) {
      await expect(valueData(method, oneClass, valid, quiet)).rejects.toThrow(/train\.labels: has one class only/);
    }
  });

  it('data-oob: a config out of range names its field', async () => {
    await expect(dataOob(train, valid, { bags: 0 })).rejects.toThrow(/config\.bags/);
    await expect(dataOob(train, valid, { probe: { learningRate: -1 } })).rejects.toThrow(/config\.probe\.learningRate/);
  });

  it('negative labels name the offending index', async () => {
    const labels = train.labels.slice();
    labels[7] = -1;
    await expect(valueData('random', { ...train, labels }, valid)).rejects.toThrow(/train\.labels\[7\]: is -1/);
  });
});
