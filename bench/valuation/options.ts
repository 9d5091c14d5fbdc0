// Command-line flags of `npm run bench -- valuation` and the sizes they select. The default
// run trains the shipped ml-100k spec's model (specs/ml-100k.json) and, for Amazon Beauty, the
// quality bench's plan, so the payoff is measured on the models users run; --quick is a smoke
// run of minutes on a sample.
import { z } from 'zod';
import { BenchUsageError, parseStringFlags } from '../flags';
import { parseFlags as qualityFlags, specFor } from '../quality';
import { parseSpec, type PipelineSpec } from '../../shared/pipeline/spec';
import type { DataSourceConfig } from '../../shared/data/source-config';
import { REAL_DATASETS, type RealDataset } from './datasets';

export { BenchUsageError };

const USAGE = `usage: npm run bench -- valuation [--dataset ml-100k|amazon-beauty|all] [--seeds N] [--seed N] [--quick on]
       [--detection-seeds N] [--beauty-users N] [--beauty-payoff on] [--baselines on|off]
  ml-100k: payoff (control, valued, random removal, clean reference) at 20 % uniform planted noise,
  under natural noise (ratings 1–2) and on clean data, over --seeds seeds; detection at 10/40 % uniform,
  20 % popularity-drawn and natural (ratings ≤ 3). amazon-beauty: detection at 20 % uniform on all users
  (--beauty-payoff on adds the payoff, ~1 h a seed here).`;

const onOff = z.enum(['on', 'off']);
const FlagsSchema = z.object({
  dataset: z.enum([...REAL_DATASETS, 'all']).default('ml-100k'),
  quick: onOff.default('off'),
  seed: z.coerce.number().int('must be an integer').min(0).default(1),
  seeds: z.coerce.number().int('must be an integer').min(1).max(10).default(3),
  'detection-seeds': z.coerce.number().int('must be an integer').min(1).max(10).default(1),
  'beauty-users': z.coerce.number().int('must be an integer').min(50, 'must be at least 50').optional(),
  'beauty-payoff': onOff.default('off'),
  baselines: onOff.default('on'),
});

export interface BenchSizes {
  readonly label: string;
  /** users sampled from ml-100k (its 943 = all of them) */
  readonly ml100kUsers: number;
  readonly beautyUsers: number;
  /** the protocol's candidates for keep (chosen on validation) */
  readonly keepGrid: readonly number[];
  readonly lambda: number;
  /** overrides laid over each dataset's spec (quick runs shrink the model) */
  readonly override?: { pretrain?: object; finetune?: object };
  /** the embedding methods' settings (their detection rows) */
  readonly valuation: object;
}

export interface BenchOptions {
  readonly datasets: readonly RealDataset[];
  readonly quick: boolean;
  readonly seed: number;
  readonly seeds: number;
  readonly detectionSeeds: number;
  readonly beautyPayoff: boolean;
  readonly baselines: boolean;
  readonly sizes: BenchSizes;
}

function sizesFor(quick: boolean, beautyUsers: number | undefined): BenchSizes {
  const valuation = { method: 'cross-fit', folds: 2, warmupEpochs: 4, k: 10, bags: 16, negatives: 1, maxValidPoints: 1000 };
  if (quick) {
    return {
      label: 'quick (smoke run)',
      ml100kUsers: 200,
      beautyUsers: beautyUsers ?? 300,
      keepGrid: [0.8],
      lambda: 1,
      override: { pretrain: { encoder: { dim: 16, layers: 1, heads: 1, maxLen: 20 }, epochs: 1, text: { maxTokens: 8 } }, finetune: { epochs: 2 } },
      valuation: { ...valuation, warmupEpochs: 1 },
    };
  }
  return { label: 'default (the shipped models)', ml100kUsers: 943, beautyUsers: beautyUsers ?? 1_000_000, keepGrid: [0.7, 0.8, 0.9], lambda: 1, valuation };
}

export function parseBenchArgs(args: string[]): BenchOptions {
  const f = parseStringFlags(FlagsSchema, args, USAGE);
  const quick = f.quick === 'on';
  return {
    datasets: f.dataset === 'all' ? REAL_DATASETS : [f.dataset],
    quick,
    seed: f.seed,
    seeds: quick ? 1 : f.seeds,
    detectionSeeds: f['detection-seeds'],
    beautyPayoff: f['beauty-payoff'] === 'on',
    baselines: f.baselines === 'on',
    sizes: sizesFor(quick, f['beauty-users']),
  };
}

const SHIPPED_ML100K = {
  pretrain: { encoder: { dim: 64, layers: 2, heads: 2, maxLen: 50 }, epochs: 4, batchSize: 64, threads: 2 },
  finetune: { epochs: 14, batchSize: 128, threads: 2 },
};

/** The pipeline spec of one bench setting: the dataset's model and training, the valuation sizes, this seed. */
export function benchSpec(sizes: BenchSizes, dataset: string, source: DataSourceConfig, seed: number, real?: RealDataset): PipelineSpec {
  const base = real === 'amazon-beauty' ? specFor('amazon-beauty', qualityFlags([])) : { pretrain: SHIPPED_ML100K.pretrain, finetune: SHIPPED_ML100K.finetune };
  const merge = (a: object, b: object | undefined) => {
    const out = { ...a, ...b } as Record<string, unknown>;
    if (b && 'encoder' in b) out.encoder = { ...(a as { encoder?: object }).encoder, ...(b as { encoder: object }).encoder };
    return out;
  };
  return parseSpec({
    dataset,
    source,
    pretrain: { ...merge(base.pretrain, sizes.override?.pretrain), seed },
    finetune: { ...merge(base.finetune, sizes.override?.finetune), seed },
    valuation: { ...sizes.valuation, lambda: sizes.lambda },
    infer: { k: 10 },
  }, `valuation bench (${dataset})`);
}
