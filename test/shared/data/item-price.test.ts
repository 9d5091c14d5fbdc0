import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSource, preprocess, readDataset, writeDataset } from '../../../shared/data';
import { loadSpecFile, sourceForPartition } from '../../../shared/pipeline/spec';

async function roundTrip(specFile: string) {
  const source = sourceForPartition(loadSpecFile(path.resolve(__dirname, '../../../specs', specFile)));
  const { dataset } = await preprocess(await loadSource(source), source.preprocess);
  const dir = await mkdtemp(path.join(tmpdir(), 'assay-item-price-'));
  await writeDataset(dir, dataset);
  return readDataset(dir);
}

describe('item price', () => {
  it('is carried from the item file to the stored dataset, item by item', async () => {
    const ds = await roundTrip('generic-csv.json');
    expect(ds.itemPrice).toBeDefined();
    expect(ds.itemPrice![ds.itemIds.indexOf('p001')]).toBeCloseTo(6.92, 10);
    expect(ds.itemPrice![ds.itemIds.indexOf('p002')]).toBeCloseTo(15.24, 10);
  });

  it('is left out of a dataset whose source has no prices, so that dataset is unchanged', async () => {
    expect((await roundTrip('tiny.json')).itemPrice).toBeUndefined();
  });
});
