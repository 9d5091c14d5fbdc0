// Named datasets are found in the data folder (ASSAY_DATA_DIR, default ../shared/data beside
// the checkout); a dataset that is not there fails before anything runs, saying where it looked
// and what to set.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dataFolder, datasetFolder, defaultDataFolder, DatasetNotFoundError } from '../../../shared/data/data-folder';
import { FOLDER_LAYOUTS } from '../../../shared/data/adapters/folder-layouts';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { InvalidInputError } from '../../../shared/pipeline/errors';
import { loadSpecFile, SpecError } from '../../../shared/pipeline/spec';
import { sourceFilesOf } from '../../../shared/pipeline/steps/source-files';
import { tempDir } from './helpers';

afterEach(() => {
  vi.unstubAllEnvs();
});

function specNaming(dataset: string): string {
  const file = path.join(tempDir(), 'spec.json');
  writeFileSync(file, JSON.stringify({ dataset: 'named', source: { format: 'ml-100k', dataset } }));
  return file;
}

describe('the data folder', () => {
  it('is ASSAY_DATA_DIR when set, else the shared/data folder beside the checkout', () => {
    vi.stubEnv('ASSAY_DATA_DIR', '');
    expect(dataFolder()).toBe(defaultDataFolder);
    expect(path.basename(path.dirname(defaultDataFolder))).toBe('shared');
    const dir = tempDir();
    vi.stubEnv('ASSAY_DATA_DIR', dir);
    expect(dataFolder()).toBe(dir);
  });

  it('a spec naming a dataset reads it from ASSAY_DATA_DIR, which its allowed roots include', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'ml-100k'));
    for (const name of FOLDER_LAYOUTS['ml-100k'].required) writeFileSync(path.join(dir, 'ml-100k', name), '');
    vi.stubEnv('ASSAY_DATA_DIR', dir);
    const spec = loadSpecFile(specNaming('ml-100k'));
    expect(spec.source.allowedRoots).toContain(dir);
    const files = await sourceFilesOf(spec.source);
    expect(Object.values(files).sort()).toEqual(FOLDER_LAYOUTS['ml-100k'].required.map((name) => path.join(dir, 'ml-100k', name)).sort());
  });
});

describe('a missing dataset', () => {
  it('fails the spec file, naming the folder it looked for, the setting and what to set', () => {
    const dir = tempDir();
    vi.stubEnv('ASSAY_DATA_DIR', dir);
    const file = specNaming('ml-100k');
    const error = (() => { try { loadSpecFile(file); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).toBe(
      `${file}: source.dataset: dataset 'ml-100k' not found: looked for the folder ${path.join(dir, 'ml-100k')} (data folder: ASSAY_DATA_DIR=${dir}). ` +
        'Set ASSAY_DATA_DIR to the folder that holds the dataset folders, or point source.path at the data.',
    );
  });

  it('says the default folder was used when ASSAY_DATA_DIR is not set', () => {
    vi.stubEnv('ASSAY_DATA_DIR', '');
    expect(() => datasetFolder('no-such-dataset')).toThrow(DatasetNotFoundError);
    expect(() => datasetFolder('no-such-dataset')).toThrow(
      `looked for the folder ${path.join(defaultDataFolder, 'no-such-dataset')} (data folder: the default, ../shared/data beside the checkout; ASSAY_DATA_DIR is not set)`,
    );
  });

  it('is an input error naming source.dataset when a worker cannot find it', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'other'));
    vi.stubEnv('ASSAY_DATA_DIR', dir);
    const error = await sourceFilesOf(parseDataSourceConfig({ format: 'ml-100k', dataset: 'ml-100k' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/^source\.dataset: dataset 'ml-100k' not found: looked for the folder .*ml-100k/);
  });
});

describe('naming the data', () => {
  it('takes source.dataset or source.path, not both and not neither', () => {
    expect(() => parseDataSourceConfig({ format: 'ml-100k', dataset: 'ml-100k', path: 'x' })).toThrow(/dataset: name the data with either source\.dataset .* or source\.path/);
    expect(() => parseDataSourceConfig({ format: 'ml-100k' })).toThrow(/dataset: name the data with either/);
  });
});
