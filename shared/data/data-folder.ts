// Where named datasets live: ASSAY_DATA_DIR, or the `shared/data` folder beside the checkout
// (../shared/data from the repository root). A spec names a dataset (`source.dataset`) and the
// folder is found here, so no spec carries a path outside the repository.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** The checkout's neighbour `shared/data`, used when ASSAY_DATA_DIR is not set. */
export const defaultDataFolder = path.resolve(__dirname, '..', '..', '..', 'shared', 'data');

/** The data folder for this process: ASSAY_DATA_DIR (resolved from the working directory) or the default. */
export function dataFolder(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.ASSAY_DATA_DIR?.trim();
  return configured ? path.resolve(configured) : defaultDataFolder;
}

export class DatasetNotFoundError extends Error {
  override name = 'DatasetNotFoundError';
}

/**
 * The folder of dataset `name` under the data folder. Throws, saying where it looked and what
 * to set, when it is not there.
 */
export function datasetFolder(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = dataFolder(env);
  const folder = path.join(root, name);
  if (existsSync(folder) && statSync(folder).isDirectory()) return folder;
  const origin = env.ASSAY_DATA_DIR?.trim() ? `ASSAY_DATA_DIR=${env.ASSAY_DATA_DIR}` : 'the default, ../shared/data beside the checkout; ASSAY_DATA_DIR is not set';
  throw new DatasetNotFoundError(
    `dataset '${name}' not found: looked for the folder ${folder} (data folder: ${origin}). ` +
      'Set ASSAY_DATA_DIR to the folder that holds the dataset folders, or point source.path at the data.',
  );
}
