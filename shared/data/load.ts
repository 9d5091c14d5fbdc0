// Entry point from a data-source config to validated raw rows, whatever the format.
import { resolve } from 'node:path';
import { loadAmazonBeauty } from './adapters/amazon-beauty';
import { loadCanonical } from './adapters/canonical';
import { loadEsciUbi } from './adapters/esci-ubi';
import { loadMl100k } from './adapters/ml-100k';
import type { RawDataset } from './raw-events';
import { sourceFolder, type DataSourceConfig } from './source-config';

export async function loadSource(config: DataSourceConfig, baseDir = process.cwd()): Promise<RawDataset> {
  const at = (p: string) => resolve(baseDir, p);
  const withName = (raw: RawDataset): RawDataset => (config.name ? { ...raw, name: config.name } : raw);
  switch (config.format) {
    case 'ml-100k':
      return withName(await loadMl100k(sourceFolder(config, baseDir), config.limits, config.nowSeconds, config.timestamps));
    case 'amazon-beauty':
      return withName(await loadAmazonBeauty(sourceFolder(config, baseDir), config.limits));
    case 'esci-ubi':
      return withName(await loadEsciUbi(sourceFolder(config, baseDir), config.limits, config.nowSeconds, config.timestamps));
    default:
      return loadCanonical({
        name: config.name ?? config.format,
        format: config.format,
        paths: {
          events: at(config.paths.events),
          items: config.paths.items ? at(config.paths.items) : undefined,
          judgments: config.paths.judgments ? at(config.paths.judgments) : undefined,
        },
        limits: config.limits,
        delimiter: config.delimiter,
        nowSeconds: config.nowSeconds,
        timestamps: config.timestamps,
      });
  }
}
