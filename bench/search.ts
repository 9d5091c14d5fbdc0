// `npm run bench -- search`: query ranking on held-out queries, NDCG@10 with graded gains and its
// standard error over queries, for BM25 over item text, the zero-shot sentence encoder (cosine of
// all-MiniLM-L6-v2 embeddings, no training) and the learned ranking head (shared/search/
// ranking-head.ts), on the synthetic shop's queries (planted relevance) and on the ESCI/UBI sample
// (logged relevance, caveat printed beside it). Queries are split train / validation / test; the
// head's settings are chosen on validation, and test is evaluated once.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { loadEsciUbi } from '../shared/data/adapters/esci-ubi';
import { dataFolder } from '../shared/data/data-folder';
import { LimitsSchema } from '../shared/data/source-config';
import { generateSynthetic } from '../shared/data/synthetic';
import { pairedDifference } from '../shared/eval/paired-difference';
import { ESCI_UBI_CAVEAT, esciSearchTask } from '../shared/search/esci-search';
import { evaluateRanking, type RankingSummary } from '../shared/search/ranking-eval';
import { compareSearchRankers, type SearchComparisonOptions } from '../shared/search/search-comparison';
import type { SearchReject, SearchTask } from '../shared/search/search-task';
import { syntheticSearchTask } from '../shared/search/synthetic-search';
import { loadSentenceEncoder, type SentenceEncoder } from '../shared/text/sentence-encoder';
import { parseStringFlags } from './flags';
import { benchSearchValuation } from './search-valuation';

const USAGE =
  'usage: npm run bench -- search [--items 3000] [--users 1500] [--queries 300] [--sessions 4] [--search-rate 0.5] [--categories 10] [--epochs 8] [--ranks 16,64] [--item-vectors both|on|off] [--seed 7] [--esci <dir> | --esci none] [--irrelevant-clicks 0.2 [--valuation-method dynamics|cross-fit] [--folds 2] [--warmup-epochs 12] [--keeps 1,0.9,0.8]]';
const flagsSchema = z.object({
  /** synthetic catalogue sizes, one table each */
  items: z.string().default('300,3000').transform((s, ctx) => positiveList(s, ctx, true)),
  users: z.coerce.number().int().positive().default(1500),
  queries: z.coerce.number().int().positive().default(300),
  sessions: z.coerce.number().int().positive().default(4),
  'search-rate': z.coerce.number().min(0).max(1).default(0.5),
  categories: z.coerce.number().int().positive().default(10),
  epochs: z.coerce.number().int().positive().default(5),
  ranks: z.string().default('16').transform((s, ctx) => positiveList(s, ctx, true)),
  'learning-rates': z.string().default('0.001,0.005').transform((s, ctx) => positiveList(s, ctx, false)),
  'item-vectors': z.enum(['both', 'on', 'off']).default('off'),
  'impression-negatives': z.enum(['both', 'on', 'off']).default('both'),
  seed: z.coerce.number().int().default(7),
  /** > 0: plant this share of irrelevant clicks in the synthetic logs and print the valuation tables */
  'irrelevant-clicks': z.coerce.number().min(0).max(1).default(0),
  // defaults: the pipeline's (shared/search/search-spec.ts, docs/decisions/0015-search-valuation.md)
  'valuation-method': z.enum(['cross-fit', 'dynamics']).default('dynamics'),
  folds: z.coerce.number().int().min(2).max(10).default(2),
  'warmup-epochs': z.coerce.number().int().positive().default(12),
  keeps: z.string().default('1,0.9,0.8').transform((s, ctx) => keepList(s, ctx)),
  esci: z.string().default(path.join(dataFolder(), 'esci-ubi')),
});
type Flags = z.infer<typeof flagsSchema>;

function positiveList(text: string, ctx: z.RefinementCtx, integers: boolean): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !(v > 0) || (integers && !Number.isInteger(v)))) ctx.addIssue({ code: 'custom', message: `comma-separated positive ${integers ? 'integers' : 'numbers'}` });
  return values;
}

function keepList(text: string, ctx: z.RefinementCtx): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !(v > 0 && v <= 1))) ctx.addIssue({ code: 'custom', message: 'comma-separated keep shares in (0, 1]' });
  return values;
}

const switchValues = (flag: 'both' | 'on' | 'off'): boolean[] => (flag === 'both' ? [false, true] : [flag === 'on']);

export function parseFlags(args: string[]): Flags {
  return parseStringFlags(flagsSchema, args, USAGE);
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const commit = gitCommit();
  console.log(`search bench — commit ${commit}, ${new Date().toISOString().slice(0, 10)}, flags ${JSON.stringify(flags)}`);
  const encoder = await loadSentenceEncoder();

  for (const items of flags.items) {
    const synthetic = generateSynthetic({ seed: flags.seed, users: flags.users, items, categories: flags.categories, sessionsPerUser: flags.sessions, queries: flags.queries, searchRate: flags['search-rate'] });
    const built = syntheticSearchTask(synthetic);
    await benchTask(`synthetic, ${items} items (planted relevance: 2 = category + product noun, 1 = category)`, built.task, built.rejects, encoder, flags, false);
    if (flags['irrelevant-clicks'] > 0) {
      await benchSearchValuation(built.task, encoder, comparisonOptions(flags, false), {
        share: flags['irrelevant-clicks'],
        valuation: { method: flags['valuation-method'], folds: flags.folds, warmupEpochs: flags['warmup-epochs'], keeps: flags.keeps },
      });
    }
  }

  if (flags.esci !== 'none') {
    const dataset = await loadEsciUbi(flags.esci, LimitsSchema.parse({}));
    const esci = esciSearchTask(dataset);
    console.log(`\nESCI/UBI text: ${esci.titledItems} of ${esci.eventItems} event items carry a title; ${esci.judgedItemsWithTitle} of ${esci.judgedItems} ESCI-judged items do.`);
    await benchTask('ESCI/UBI (logged relevance: click 1, add-to-cart 2, purchase 3; ESCI grade where titled)', esci.task, esci.rejects, encoder, flags, true);
    console.log(`caveat: ${ESCI_UBI_CAVEAT}`);
  }
}

async function benchTask(label: string, task: SearchTask, rejects: readonly SearchReject[], encoder: SentenceEncoder, flags: Flags, trainOnJudgments: boolean): Promise<void> {
  const rejectCounts = Object.entries(rejects.reduce<Record<string, number>>((acc, r) => ((acc[r.reason] = (acc[r.reason] ?? 0) + 1), acc), {}));
  console.log(`\n## ${label}`);
  const run = await compareSearchRankers(task, encoder, comparisonOptions(flags, trainOnJudgments));
  const { split } = run;
  console.log(`${task.itemIds.length} items, ${task.queryTexts.length} queries (train ${split.train.length} / validation ${split.validation.length} / test ${split.test.length}), ${task.searchQuery.length} logged searches${rejectCounts.length ? `; left out: ${rejectCounts.map(([k, v]) => `${v} ${k}`).join(', ')}` : ''}`);
  console.log(`encoding ${task.itemIds.length + task.queryTexts.length} texts: ${run.encodeSeconds.toFixed(1)} s; head training (grid of ${run.gridSize} × ${flags.epochs} epochs): ${run.trainSeconds.toFixed(1)} s`);
  console.log(`chosen on validation: ${JSON.stringify(run.chosen)}, epoch ${run.chosenEpoch}`);
  const names = { bm25: 'BM25 (k1 1.2, b 0.75)', 'zero-shot': 'zero-shot encoder (cosine)', head: 'ranking head (trained)' } as const;
  console.log('\n| method | validation NDCG@10 | test NDCG@10 ± s.e. | test queries |');
  console.log('|---|---:|---:|---:|');
  for (const r of run.methods) console.log(`| ${names[r.name]} | ${r.validation.mean.toFixed(4)} | ${formatMean(r.test)} | ${r.test.queries} |`);
  const all = Int32Array.from(task.queryTexts.keys());
  const [bm25All, zeroShotAll] = [run.scorers.bm25, run.scorers['zero-shot']].map((scorer) => evaluateRanking(task, all, scorer));
  console.log(`every query with a relevant item (${bm25All!.queries}; no training involved): BM25 ${formatMean(bm25All!)}, zero-shot encoder ${formatMean(zeroShotAll!)}`);
  const bm25Test = run.methods[0]!.test;
  for (const r of run.methods.slice(1)) {
    const diff = pairedDifference(r.test.queryIds, Float32Array.from(r.test.perQuery), bm25Test.queryIds, Float32Array.from(bm25Test.perQuery));
    console.log(`test, ${names[r.name]} − BM25: ${diff.difference!.toFixed(4)} (95% CI ${diff.low!.toFixed(4)} … ${diff.high!.toFixed(4)}, ${diff.users} queries paired)`);
  }
}

function comparisonOptions(flags: Flags, trainOnJudgments: boolean): SearchComparisonOptions {
  return {
    epochs: flags.epochs,
    ranks: flags.ranks,
    learningRates: flags['learning-rates'],
    itemVectors: switchValues(flags['item-vectors']),
    impressionNegatives: switchValues(flags['impression-negatives']),
    trainOnJudgments,
    seed: flags.seed,
  };
}

function formatMean(s: RankingSummary): string {
  return `${s.mean.toFixed(4)} ± ${s.standardError.toFixed(4)}`;
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim().length > 0;
    return dirty ? `${sha}+uncommitted` : sha;
  } catch {
    return 'unknown';
  }
}
