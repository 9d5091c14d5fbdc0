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
    maxFieldLength: z.number().int().positive().default(1024 * 1024).describe("a longer text field (characters) rejects its row ('field-too-long')"),
    maxLineBytes: z.number().int().positive().default(16 * 1024 * 1024).describe("a longer physical line rejects its row without being buffered ('line-too-long')"),
    maxHeaderBytes: z.number().int().positive().default(64 * 1024).describe('a longer CSV/TSV header line fails the file: column names are short, and every reject may name them'),
    maxEvents: z.number().int().positive().optional().describe('stop reading events after this many accepted rows (sampling a large source)'),
  })
  .prefault({})
  .describe('bounds that keep a hostile or broken file from exhausting memory');
export type Limits = z.output<typeof LimitsSchema>;

export const SplitConfigSchema = z
  .discriminatedUnion('mode', [
    z.object({
      mode: z.literal('time').describe('time: one global cut, the newest `test` fraction of events is test and the `valid` fraction before it validation'),
      valid: z.number().min(0).max(0.5).default(0.1).describe('fraction of events (by time) in the validation split'),
      test: z.number().min(0).max(0.5).default(0.1).describe('fraction of events (by time) in the test split'),
    }),
    z.object({ mode: z.literal('leave-last-out').describe("leave-last-out: per user, the last event is test, the one before validation, the rest train") }),
  ])
  .prefault({ mode: 'time' })
  .describe('how events are split into train, validation and test, with no future leakage');
export type SplitConfig = z.output<typeof SplitConfigSchema>;

export const PreprocessConfigSchema = z
  .object({
    split: SplitConfigSchema,
    sessionGapSeconds: z.number().positive().default(30 * 60).describe("a gap longer than this between a user's consecutive events starts a new session"),
    minUserInteractions: z.number().int().nonnegative().default(0).describe('users with fewer events are removed, repeated with minItemInteractions until stable (k-core); 0 keeps all'),
    minItemInteractions: z.number().int().nonnegative().default(0).describe('items with fewer events are removed, repeated with minUserInteractions until stable (k-core); 0 keeps all'),
    pruneItemsWithoutEvents: z.boolean().default(true).describe("catalogue items no event (or judgment) mentions are left out of the model's item set (counted in the summary)"),
    maxItems: z.number().int().positive().optional().describe('keep only the events of the N most frequent items (a catalogue cap); unset keeps every item'),
    tokenizer: z
      .discriminatedUnion('kind', [
        z.object({
          kind: z.literal('word').describe('word: a vocabulary of the words in the item texts'),
          minCount: z.number().int().positive().default(1).describe('words seen fewer times are left out of the vocabulary'),
          maxVocab: z.number().int().positive().default(30_000).describe('the most frequent words kept'),
          maxTokensPerItem: z.number().int().positive().default(64).describe("tokens kept of each item's text"),
        }),
        z.object({
          kind: z.literal('local-model').describe('local-model: a transformers.js tokenizer (tokenizer.json) from a local folder, never fetched from a hub'),
          modelDir: z.string().min(1).describe("the tokenizer's folder"),
          maxTokensPerItem: z.number().int().positive().default(64).describe("tokens kept of each item's text"),
        }),
      ])
      .prefault({ kind: 'word' })
      .describe('how item texts become tokens'),
  })
  .prefault({})
  .describe('cleaning, sessions, split and tokenizer');
export type PreprocessConfig = z.output<typeof PreprocessConfigSchema>;

export const TimestampsSchema = z
  .object({
    unit: z.enum(['auto', 'seconds', 'milliseconds']).default('auto').describe('epoch numbers: seconds, milliseconds, or auto (above 1e11 = milliseconds)'),
    timeZone: z.string().refine(isTimeZone, 'not a time zone Intl knows; use an IANA name such as Europe/Paris or UTC').optional()
      .describe('IANA zone (e.g. Europe/Paris) of ISO times written without an offset; without it such times are rejected'),
  })
  .prefault({})
  .describe('how timestamps are read');

const sharedSourceFields = {
  allowedRoots: z.array(z.string().min(1)).min(1).optional()
    .describe("folders the source files must lie in, after symlinks are resolved (relative ones from the spec's folder); default: the spec's folder and the data folder (ASSAY_DATA_DIR)"),
  timestamps: TimestampsSchema,
  name: z.string().min(1).optional().describe('dataset name used in artifacts; defaults to the format'),
  limits: LimitsSchema,
  nowSeconds: z.number().positive().optional().describe('unix seconds treated as "now" when rejecting future timestamps (default: the clock)'),
  preprocess: PreprocessConfigSchema,
};

export const DataSourceConfigSchema = z.discriminatedUnion('format', [
  z.object({
    format: z.enum(['ml-100k', 'amazon-beauty', 'esci-ubi']).describe('a published dataset folder read by its adapter (ml-100k, amazon-beauty, esci-ubi), or generic files (jsonl, csv, parquet; docs/data-format.md)'),
    dataset: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a dataset is a folder name in ASSAY_DATA_DIR (letters, digits, dot, dash, underscore)').optional()
      .describe('the dataset folder by name, found in the data folder (ASSAY_DATA_DIR, default ../shared/data beside the checkout); not with path'),
    path: z.string().min(1).optional().describe('the dataset folder itself, relative to the spec file; not with dataset'),
    ...sharedSourceFields,
  }).refine((s) => (s.dataset === undefined) !== (s.path === undefined), { message: 'name the data with either source.dataset (a folder in ASSAY_DATA_DIR) or source.path (a folder beside the spec), not both or neither', path: ['dataset'] }),
  z.object({
    format: z.enum(['jsonl', 'csv', 'parquet']),
    paths: z.object({
      events: z.string().min(1).describe('the events file (who did what to which item, when), relative to the spec file; `{partition}` is replaced by the partition'),
      items: z.string().min(1).optional().describe('the item catalogue: ids, texts, categories, prices (docs/data-format.md)'),
      judgments: z.string().min(1).optional().describe('query-item relevance labels'),
    }).describe('the files by role; each file may be gzip-compressed and its extension decides its reader'),
    delimiter: z.string().length(1).optional().describe("CSV only: the field delimiter (default ',' or a tab for .tsv)"),
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
