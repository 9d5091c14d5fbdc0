// Command-line flags of `npm run bench -- valuation` and the sizes they select. Defaults are
// sized so the full run (every dataset, both noise levels, removal curve and payoff) fits in
// about 30 minutes on the project's shared 2-core host; --quick is a smoke run of minutes.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseSpec, type PipelineSpec } from '../../shared/pipeline/spec';
import { VALUATION_METHODS, type ValuationMethod } from '../../shared/valuation/methods';
import type { DataSourceConfig } from '../../shared/data/source-config';
import type { SyntheticSizes } from './datasets';

export const BENCH_DATASETS = ['synthetic', 'ml-100k', 'amazon-beauty'] as const;
export type BenchDataset = (typeof BENCH_DATASETS)[number];

const USAGE = `usage: npm run bench -- valuation [--dataset synthetic|ml-100k|amazon-beauty|all] [--quick]
       [--seed N] [--beauty-users N] [--removal-method ${VALUATION_METHODS.join('|')}]`;

const FlagsSchema = z.object({
  dataset: z.enum([...BENCH_DATASETS, 'all']).default('all'),
  quick: z.boolean().default(false),
  seed: z.coerce.number().int('must be an integer').min(0).default(1),
  'beauty-users': z.coerce.number().int('must be an integer').min(50, 'must be at least 50').optional(),
  'removal-method': z.enum(VALUATION_METHODS).default('knn-shapley'),
});

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export interface BenchSizes {
  readonly label: string;
  readonly noiseLevels: readonly number[];
  readonly removalFractions: readonly number[];
  /** users sampled from ml-100k (its 943 = all of them) */
  readonly ml100kUsers: number;
  readonly beautyUsers: number;
  readonly synthetic: SyntheticSizes;
  /** the spec fields every setting shares (source is filled per dataset) */
  readonly spec: { pretrain: object; finetune: object; valuation: object; infer: object };
}

function sizesFor(quick: boolean, beautyUsers: number | undefined): BenchSizes {
  if (quick) {
    return {
      label: 'quick (smoke run)',
      noiseLevels: [0.1, 0.2],
      removalFractions: [0.1, 0.3, 0.5],
      ml100kUsers: 150,
      beautyUsers: beautyUsers ?? 150,
      synthetic: { users: 120, items: 150, categories: 6, sessionsPerUser: 4, queries: 20 },
      spec: {
        pretrain: { encoder: { dim: 16, layers: 1, heads: 1, maxLen: 10, dropout: 0.1 }, epochs: 1, batchSize: 128, optimizer: { lr: 3e-3 }, text: { maxTokens: 8 } },
        finetune: { epochs: 1, batchSize: 128, optimizer: { lr: 3e-3 } },
        valuation: { k: 5, bags: 4, negatives: 1, keep: 0.8, lambda: 1, alpha: 1, maxValidPoints: 150 },
        infer: { k: 10 },
      },
    };
  }
  return {
    label: 'default',
    noiseLevels: [0.1, 0.2],
    removalFractions: [0.1, 0.2, 0.3, 0.4, 0.5],
    ml100kUsers: 943,
    beautyUsers: beautyUsers ?? 3000,
    synthetic: { users: 600, items: 600, categories: 10, sessionsPerUser: 6, queries: 60 },
    spec: {
      pretrain: { encoder: { dim: 32, layers: 1, heads: 2, maxLen: 20, dropout: 0.1 }, epochs: 2, batchSize: 128, optimizer: { lr: 3e-3 }, text: { maxTokens: 16 } },
      finetune: { epochs: 2, batchSize: 128, optimizer: { lr: 3e-3 } },
      valuation: { k: 10, bags: 16, negatives: 1, keep: 0.8, lambda: 1, alpha: 1, maxValidPoints: 1000 },
      infer: { k: 10 },
    },
  };
}

export interface BenchOptions {
  readonly datasets: readonly BenchDataset[];
  readonly quick: boolean;
  readonly seed: number;
  readonly removalMethod: ValuationMethod;
  readonly sizes: BenchSizes;
}

export function parseBenchArgs(args: string[]): BenchOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        dataset: { type: 'string' },
        quick: { type: 'boolean' },
        seed: { type: 'string' },
        'beauty-users': { type: 'string' },
        'removal-method': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new BenchUsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`);
    throw new BenchUsageError(`invalid flags:\n${lines.join('\n')}\n${USAGE}`);
  }
  const f = parsed.data;
  return {
    datasets: f.dataset === 'all' ? BENCH_DATASETS : [f.dataset],
    quick: f.quick,
    seed: f.seed,
    removalMethod: f['removal-method'],
    sizes: sizesFor(f.quick, f['beauty-users']),
  };
}

/** The pipeline spec of one bench setting: the shared sizes plus this dataset's source. */
export function benchSpec(sizes: BenchSizes, dataset: string, source: DataSourceConfig, seed: number): PipelineSpec {
  const s = sizes.spec;
  return parseSpec({
    dataset,
    source,
    pretrain: { ...s.pretrain, seed },
    finetune: { ...s.finetune, seed },
    valuation: s.valuation,
    infer: s.infer,
  }, `valuation bench (${dataset})`);
}
