// Benchmark: cold-start items on ml-100k (issue 24). A seeded 10 % of the items is held out of
// training entirely (bench/cold-start/protocol.ts); the pipeline's own pretrain → fine-tune runs
// twice on the rest, with and without the frozen pretrained text embeddings of the items
// (spec itemText), and both rank the whole catalogue: a held-out item through its text
// projection alone (its id row was never trained, so it is not used), or as a zero vector
// without text. Each row's fine-tuning epoch is chosen on the validation examples; the test
// examples are scored once per row. Popularity and random rank the same examples. Prints the
// protocol, the table and wall times; asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseStringFlags, runIfMain } from './flags';
import { Random } from '../shared/random';
import type { Matrix } from '../shared/data/types';
import { rowDotScorer } from '../shared/eval/row-dot';
import { selectBackend } from '../shared/ml/backend';
import { disposeModel, projectItemText, type RecModel } from '../shared/ml/encoder';
import { finetune } from '../shared/ml/finetune';
import { loadModel } from '../shared/ml/load-model';
import { pretrain } from '../shared/ml/pretrain';
import { contextEmbeddings, itemEmbeddings } from '../shared/ml/scoring';
import { ItemTextConfigSchema } from '../shared/ml/config';
import { historyOf } from '../shared/pipeline/steps/dataset-input';
import { itemTextEmbeddings, loadItemTextEncoder, textEmbeddingCacheDir } from '../shared/text/item-text';
import { coldExamples, coldStartSplit, rankTargets, warmExamples, type ColdStartSplit, type ExampleSet, type RankingMetrics } from './cold-start/protocol';
import { loadReal } from './valuation/datasets';
import { markdownTable } from './valuation/table';

const USAGE = `usage: npm run bench -- cold-start [--held-out X (share of items, default 0.1)] [--epochs-pretrain N] [--epochs-finetune N]
       [--id-dropout X (the third arm's, default 0.5)] [--threads N] [--seed N]`;

const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1');
const FlagsSchema = z.object({
  'held-out': z.coerce.number({ error: 'must be a number' }).gt(0, 'must be in (0, 0.5]').max(0.5, 'must be in (0, 0.5]').default(0.1),
  'epochs-pretrain': positiveInt.default(2),
  'epochs-finetune': positiveInt.default(6),
  'id-dropout': z.coerce.number({ error: 'must be a number' }).gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.5),
  threads: positiveInt.max(32, 'must be at most 32').default(2),
  seed: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(42),
});
type Flags = z.infer<typeof FlagsSchema>;

export const parseFlags = (args: string[]): Flags => parseStringFlags(FlagsSchema, args, USAGE);

const K = 10;
const ENCODER = { dim: 64, layers: 2, heads: 2, maxLen: 50 };
const load1 = (): string => loadavg()[0]!.toFixed(1);
const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : '—');

/** Every original item's vector: a warm item's row of the model, a held-out item's text projection (or zeros without text). */
function catalogueVectors(model: RecModel, split: ColdStartSplit, text: Matrix | undefined): Matrix {
  const numItems = split.warmIndex.length;
  const warm = itemEmbeddings(model);
  const dim = warm.cols;
  const data = new Float32Array(numItems * dim);
  split.warmItems.forEach((item, w) => data.set(warm.data.subarray(w * dim, (w + 1) * dim), item * dim));
  if (model.itemText && text) {
    const cold = Int32Array.from(split.warmIndex.keys()).filter((i) => split.warmIndex[i] === -1);
    const rows: Matrix = { rows: cold.length, cols: text.cols, data: new Float32Array(cold.length * text.cols) };
    cold.forEach((item, r) => rows.data.set(text.data.subarray(item * text.cols, (item + 1) * text.cols), r * text.cols));
    const projected = projectItemText(model, rows);
    cold.forEach((item, r) => data.set(projected.data.subarray(r * dim, (r + 1) * dim), item * dim));
  }
  return { rows: numItems, cols: dim, data };
}

function modelScorer(model: RecModel, set: ExampleSet, items: Matrix): (e: number, out: Float32Array) => void {
  return rowDotScorer(contextEmbeddings(model, { sequences: set.contexts }), items);
}

function candidates(numItems: number, items: Iterable<number>): Uint8Array {
  const out = new Uint8Array(numItems);
  for (const i of items) out[i] = 1;
  return out;
}

interface Sets {
  readonly coldValid: ExampleSet;
  readonly coldTest: ExampleSet;
  readonly warmValid: ExampleSet;
  readonly warmTest: ExampleSet;
}

interface Arm {
  readonly name: string;
  readonly text?: Matrix;
  readonly idDropout?: number;
}

interface EpochScore {
  readonly epoch: number;
  readonly dir: string;
  readonly cold: RankingMetrics;
  readonly warm: RankingMetrics;
}

/** Pretrains and fine-tunes one arm, scoring each fine-tuning epoch on the validation examples. */
async function trainArm(arm: Arm, split: ColdStartSplit, sets: Sets, flags: Flags, scratch: string, log: (line: string) => void) {
  const numItems = split.warmIndex.length;
  const all = candidates(numItems, split.warmIndex.keys());
  const warmOnly = candidates(numItems, split.warmItems);
  const warmText = arm.text && rowsOf(arm.text, split.warmItems);
  const started = performance.now();
  const pre = await pretrain(
    { numItems: split.warm.numItems, sequences: historyOf(split.warm, false), ...(warmText && { itemTextEmbeddings: warmText }) },
    { encoder: ENCODER, epochs: flags['epochs-pretrain'], batchSize: 64, threads: flags.threads, seed: flags.seed, ...(arm.idDropout && { idDropout: arm.idDropout }) },
    { checkpointDir: path.join(scratch, arm.name.replaceAll(' ', '-'), 'pretrain'), log },
  );
  const pretrainSeconds = (performance.now() - started) / 1000;
  const scores: EpochScore[] = [];
  const ft = await finetune(
    { numUsers: split.warm.numUsers, numItems: split.warm.numItems, train: split.warm.train },
    pre.model,
    { epochs: flags['epochs-finetune'], batchSize: 128, threads: flags.threads, seed: flags.seed, ...(arm.idDropout && { idDropout: arm.idDropout }) },
    {
      checkpointDir: path.join(scratch, arm.name.replaceAll(' ', '-'), 'finetune'),
      log,
      async onEpoch({ epoch, checkpointDir }) {
        const { model } = await loadModel(checkpointDir);
        try {
          const items = catalogueVectors(model, split, arm.text);
          const cold = rankTargets(sets.coldValid, split.warmItems, all, K, modelScorer(model, sets.coldValid, items));
          const warm = rankTargets(sets.warmValid, split.warmItems, warmOnly, K, modelScorer(model, sets.warmValid, items));
          scores.push({ epoch, dir: checkpointDir, cold, warm });
          log(`${arm.name}: validation after epoch ${epoch}: held-out NDCG@${K} ${f4(cold.ndcg)}, warm NDCG@${K} ${f4(warm.ndcg)}`);
        } finally {
          disposeModel(model);
        }
      },
    },
  );
  disposeModel(pre.model);
  disposeModel(ft.model);
  const trainSeconds = (performance.now() - started) / 1000;
  // ties go to the earlier epoch; a model that cannot rank held-out items at all takes its warm choice for them
  const best = (key: 'cold' | 'warm') => scores.reduce((a, b) => (b[key].ndcg > a[key].ndcg ? b : a));
  const warmChoice = best('warm');
  const coldChoice = scores.every((s) => s.cold.ndcg === 0) ? warmChoice : best('cold');
  const test = async (choice: EpochScore, set: ExampleSet, pool: Uint8Array) => {
    const { model } = await loadModel(choice.dir);
    try {
      return rankTargets(set, split.warmItems, pool, K, modelScorer(model, set, catalogueVectors(model, split, arm.text)));
    } finally {
      disposeModel(model);
    }
  };
  const coldPool = candidates(numItems, split.coldTest);
  return {
    name: arm.name,
    pretrainSeconds,
    trainSeconds,
    scores,
    coldChoice,
    warmChoice,
    coldTest: await test(coldChoice, sets.coldTest, all),
    coldTestAmongHeldOut: await test(coldChoice, sets.coldTest, coldPool),
    warmTest: await test(warmChoice, sets.warmTest, warmOnly),
  };
}

function rowsOf(m: Matrix, rows: Int32Array): Matrix {
  const data = new Float32Array(rows.length * m.cols);
  rows.forEach((r, k) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), k * m.cols));
  return { rows: rows.length, cols: m.cols, data };
}

function commitStamp(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const backend = await selectBackend(undefined, () => undefined);
  const begun = performance.now();
  console.log(`cold-start bench: ml-100k, commit ${commitStamp()}, ${new Date().toISOString().slice(0, 16)}Z; tfjs backend ${backend.name} (${backend.device}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const { ds } = await loadReal('ml-100k');
  const split = coldStartSplit(ds, flags['held-out'], flags.seed);
  const maxContext = ENCODER.maxLen - 1;
  const sets: Sets = {
    coldValid: coldExamples(ds, split, split.coldValid, maxContext),
    coldTest: coldExamples(ds, split, split.coldTest, maxContext),
    warmValid: warmExamples(split, 'valid', maxContext),
    warmTest: warmExamples(split, 'test', maxContext),
  };
  const textConfig = ItemTextConfigSchema.parse({ enabled: true });
  const textStarted = performance.now();
  const encoded = await itemTextEmbeddings(await loadItemTextEncoder(textConfig), ds.itemText, textEmbeddingCacheDir());
  const textSeconds = (performance.now() - textStarted) / 1000;

  const cold = split.coldValid.length + split.coldTest.length;
  console.log(`
Protocol
  ml-100k (${ds.numUsers} users, ${ds.numItems} items, ${ds.train.length + ds.valid.length + ds.test.length} interactions), per-user leave-last-out split.
  Held out: ${cold} items (${Math.round(flags['held-out'] * 100)} %, seeded draw, seed ${flags.seed}); every interaction with them is removed from training.
  Training on the ${split.warm.numItems} warm items: ${split.warm.train.length} train interactions; the learned-vocabulary text objective is off in both arms.
  Held-out examples: every interaction with a held-out item, its context the user's warm items before it (newest ${maxContext}).
    Held-out items are halved by the draw: ${split.coldValid.length} items / ${sets.coldValid.targets.length} examples validate, ${split.coldTest.length} items / ${sets.coldTest.targets.length} examples test.
  Warm examples: the split's valid rows (context: train) validate, its test rows (context: train + valid) test, when their item is warm: ${sets.warmValid.targets.length} / ${sets.warmTest.targets.length}.
  Ranking: held-out examples over all ${ds.numItems} items, warm examples over the warm items; the context's items are not candidates; ties count against the target.
  Item vectors: warm = id row + projected text (with text) or id row (without); held-out = projected text only (with text) or zeros (without).
  Text: all-MiniLM-L6-v2 sentence embeddings (384-d, frozen) of title + year + genres; ${encoded.encoded} texts encoded, ${encoded.cached} from the cache, ${textSeconds.toFixed(1)} s.
  Model: encoder dim ${ENCODER.dim}, ${ENCODER.layers} blocks, ${ENCODER.heads} heads, maxLen ${ENCODER.maxLen}, full softmax; pretrain ${flags['epochs-pretrain']} epochs, fine-tune up to ${flags['epochs-finetune']} epochs, ${flags.threads} thread(s).
  Arms: without text; with text; with text and id dropout ${flags['id-dropout']} in pretraining and fine-tuning (each item's id row left out of a step at that rate, so the text alone must carry it).
  Choices on validation: which text arm serves held-out / warm items, and each row's fine-tuning epoch (held-out rows by held-out validation NDCG@${K}, warm rows by warm validation NDCG@${K}); the test examples are scored once per row.
  Popularity: training counts (held-out items count 0). Random: seeded uniform scores.`);

  const scratch = await mkdtemp(path.join(tmpdir(), 'assay-cold-start-'));
  const log = (line: string) => console.log(`  ${line} [load ${load1()}]`);
  try {
    const arms = [];
    for (const arm of [
      { name: 'with text', text: encoded.embeddings },
      { name: `with text, id dropout ${flags['id-dropout']}`, text: encoded.embeddings, idDropout: flags['id-dropout'] },
      { name: 'without text' },
    ]) arms.push(await trainArm(arm, split, sets, flags, scratch, log));
    const textArms = arms.filter((a) => a.name.startsWith('with text'));
    const pick = (key: 'coldChoice' | 'warmChoice', metric: 'cold' | 'warm') => textArms.reduce((a, b) => (b[key][metric].ndcg > a[key][metric].ndcg ? b : a)).name;

    const numItems = ds.numItems;
    const all = candidates(numItems, split.warmIndex.keys());
    const warmOnly = candidates(numItems, split.warmItems);
    const coldPool = candidates(numItems, split.coldTest);
    const popularity = new Float32Array(numItems);
    for (let j = 0; j < split.warm.train.length; j++) popularity[split.warmItems[split.warm.train.item[j]!]!]! += 1;
    const byPopularity = (_: number, out: Float32Array) => out.set(popularity);
    const randomScores = (seed: number) => {
      const rng = new Random(seed);
      return (_: number, out: Float32Array) => {
        for (let i = 0; i < out.length; i++) out[i] = rng.next();
      };
    };
    const baselines = [
      { name: 'popularity', cold: rankTargets(sets.coldTest, split.warmItems, all, K, byPopularity), among: rankTargets(sets.coldTest, split.warmItems, coldPool, K, byPopularity), warm: rankTargets(sets.warmTest, split.warmItems, warmOnly, K, byPopularity) },
      { name: 'random', cold: rankTargets(sets.coldTest, split.warmItems, all, K, randomScores(flags.seed)), among: rankTargets(sets.coldTest, split.warmItems, coldPool, K, randomScores(flags.seed + 1)), warm: rankTargets(sets.warmTest, split.warmItems, warmOnly, K, randomScores(flags.seed + 2)) },
    ];
    const rows = [
      ...arms.map((a) => [`fine-tuned, ${a.name}`, f4(a.coldTest.hr), f4(a.coldTest.ndcg), f4(a.coldTestAmongHeldOut.hr), f4(a.coldTestAmongHeldOut.ndcg), f4(a.warmTest.hr), f4(a.warmTest.ndcg), `${a.coldChoice.epoch} / ${a.warmChoice.epoch}`]),
      ...baselines.map((b) => [b.name, f4(b.cold.hr), f4(b.cold.ndcg), f4(b.among.hr), f4(b.among.ndcg), f4(b.warm.hr), f4(b.warm.ndcg), '—']),
    ];
    console.log(`\nTest split, K=${K}: held-out items (${sets.coldTest.targets.length} examples, ranked over all ${numItems} items; and among the ${split.coldTest.length} held-out test items only) and warm items (${sets.warmTest.targets.length} examples)\n`);
    console.log(markdownTable(['model', 'held-out HR@10', 'held-out NDCG@10', 'HR@10 among held-out', 'NDCG@10 among held-out', 'warm HR@10', 'warm NDCG@10', 'epoch (held-out / warm)'], rows));
    console.log(`\nWith text, chosen on validation: for held-out items "${pick('coldChoice', 'cold')}", for warm items "${pick('warmChoice', 'warm')}".`);
    console.log('\nValidation NDCG@10 by fine-tuning epoch (held-out / warm):');
    for (const a of arms) console.log(`  ${a.name}: ${a.scores.map((s) => `${s.epoch}: ${f4(s.cold.ndcg)} / ${f4(s.warm.ndcg)}`).join(', ')}`);
    console.log(`\nWall time (training + validation scoring): ${arms.map((a) => `${a.name} ${a.trainSeconds.toFixed(0)} s (pretrain ${a.pretrainSeconds.toFixed(0)} s)`).join('; ')}; total ${((performance.now() - begun) / 60000).toFixed(1)} min (load ${load1()}).`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

runIfMain(module, run);
