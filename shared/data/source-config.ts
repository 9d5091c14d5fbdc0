// What a pipeline spec says about its input data. Parsed once at the boundary; the rest of
// the data library takes the parsed (defaulted) shape.
import { resolve } from 'node:path';
import { z } from 'zod';
import { describeUnknownKey, unknownKeys } from '../config/unknown-keys';
import { datasetFolder } from './data-folder';
import { isTimeZone } from './timestamps';

export const SOURCE_FORMATS = ['ml-100k', 'amazon-beauty', 'esci-ubi', 'jsonl', 'csv', 'parquet'] as const;

export const LimitsSchema = z
  .object({
    /** a longer text field rejects its row ('field-too-long') */
    maxFieldLength: z.number().int().positive().default(1024 * 1024),
    /** a longer physical line rejects its row without being buffered ('line-too-long') */
    maxLineBytes: z.number().int().positive().default(16 * 1024 * 1024),
    /** a longer CSV/TSV header line fails the file: column names are short, and every reject may name them */
    maxHeaderBytes: z.number().int().positive().default(64 * 1024),
    /** stop reading events after this many accepted rows (sampling a large source) */
    maxEvents: z.number().int().positive().optional(),
  })
  .prefault({});
export type Limits = z.output<typeof LimitsSchema>;

export const SplitConfigSchema = z
  .discriminatedUnion('mode', [
    z.object({
      /** global time cut: the last `test` fraction of events (by time) is test, the `valid` before it valid */
      mode: z.literal('time'),
      valid: z.number().min(0).max(0.5).default(0.1),
      test: z.number().min(0).max(0.5).default(0.1),
    }),
    /** per user: last event = test, the one before = valid, the rest = train */
    z.object({ mode: z.literal('leave-last-out') }),
  ])
  .prefault({ mode: 'time' });
export type SplitConfig = z.output<typeof SplitConfigSchema>;

export const PreprocessConfigSchema = z
  .object({
    split: SplitConfigSchema,
    /** a gap longer than this between a user's consecutive events starts a new session */
    sessionGapSeconds: z.number().positive().default(30 * 60),
    /** users / items with fewer events are removed, repeated until stable (k-core); 0 = keep all */
    minUserInteractions: z.number().int().nonnegative().default(0),
    minItemInteractions: z.number().int().nonnegative().default(0),
    /** catalogue items that no event (or judgment) mentions are left out of the model's item set (counted in the summary) */
    pruneItemsWithoutEvents: z.boolean().default(true),
    /** keep only the events of the N most frequent items (a catalogue cap); unset = every item */
    maxItems: z.number().int().positive().optional(),
    tokenizer: z
      .discriminatedUnion('kind', [
        z.object({
          kind: z.literal('word'),
          minCount: z.number().int().positive().default(1),
          maxVocab: z.number().int().positive().default(30_000),
          maxTokensPerItem: z.number().int().positive().default(64),
        }),
        z.object({
          /** a transformers.js tokenizer from a LOCAL folder (tokenizer.json); never fetched from a hub */
          kind: z.literal('local-model'),
          modelDir: z.string().min(1),
          maxTokensPerItem: z.number().int().positive().default(64),
        }),
      ])
      .prefault({ kind: 'word' }),
  })
  .prefault({});
export type PreprocessConfig = z.output<typeof PreprocessConfigSchema>;

export const TimestampsSchema = z
  .object({
    /** epoch numbers: seconds, milliseconds, or auto (above 1e11 = milliseconds) */
    unit: z.enum(['auto', 'seconds', 'milliseconds']).default('auto'),
    /** IANA zone (e.g. Europe/Paris) of ISO times written without an offset; without it they are rejected */
    timeZone: z.string().refine(isTimeZone, 'not a time zone Intl knows; use an IANA name such as Europe/Paris or UTC').optional(),
  })
  .prefault({});

const sharedSourceFields = {
  /**
   * folders the source files must lie in, after symlinks are resolved (relative ones from the
   * spec's folder); default: the spec's folder and the shared data folder
   */
  allowedRoots: z.array(z.string().min(1)).min(1).optional(),
  timestamps: TimestampsSchema,
  /** dataset name used in artifacts; defaults to the format */
  name: z.string().min(1).optional(),
  limits: LimitsSchema,
  /** unix seconds treated as "now" when rejecting future timestamps (default: the clock) */
  nowSeconds: z.number().positive().optional(),
  preprocess: PreprocessConfigSchema,
};

export const DataSourceConfigSchema = z.discriminatedUnion('format', [
  z.object({
    format: z.enum(['ml-100k', 'amazon-beauty', 'esci-ubi']),
    /** a dataset folder by name, found in the data folder (ASSAY_DATA_DIR) */
    dataset: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a dataset is a folder name in ASSAY_DATA_DIR (letters, digits, dot, dash, underscore)').optional(),
    /** or the dataset folder itself, relative to the spec file */
    path: z.string().min(1).optional(),
    ...sharedSourceFields,
  }).refine((s) => (s.dataset === undefined) !== (s.path === undefined), { message: 'name the data with either source.dataset (a folder in ASSAY_DATA_DIR) or source.path (a folder beside the spec), not both or neither', path: ['dataset'] }),
  z.object({
    format: z.enum(['jsonl', 'csv', 'parquet']),
    paths: z.object({
      events: z.string().min(1),
      items: z.string().min(1).optional(),
      judgments: z.string().min(1).optional(),
    }),
    /** CSV only: field delimiter (default ',' or tab for .tsv) */
    delimiter: z.string().length(1).optional(),
    ...sharedSourceFields,
  }),
]);
export type DataSourceConfig = z.output<typeof DataSourceConfigSchema>;
export type DataSourceConfigInput = z.input<typeof DataSourceConfigSchema>;
export type FolderSourceConfig = Extract<DataSourceConfig, { format: 'ml-100k' | 'amazon-beauty' | 'esci-ubi' }>;

/** The folder a folder-format source reads: its `path` (from `baseDir`), or its named dataset in the data folder. */
export function sourceFolder(config: Pick<FolderSourceConfig, 'path' | 'dataset'>, baseDir = process.cwd()): string {
  if (config.path !== undefined) return resolve(baseDir, config.path);
  if (config.dataset === undefined) throw new Error('a folder source names neither source.dataset nor source.path');
  return datasetFolder(config.dataset);
}

/** Parses a user-supplied config; the error lists every issue as `path: message`. */
export function parseDataSourceConfig(input: unknown): DataSourceConfig {
  const parsed = DataSourceConfigSchema.safeParse(input);
  const lines = [
    ...unknownKeys(DataSourceConfigSchema, input).map((found) => `  ${describeUnknownKey(found)}`),
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`)),
  ];
  if (parsed.success && lines.length === 0) return parsed.data;
  throw new Error(`invalid data source config:\n${lines.join('\n')}`);
}
