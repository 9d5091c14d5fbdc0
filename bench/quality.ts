// Benchmark: recommendation quality of the pipeline's own path on the real datasets, per-user
// leave-last-out (last item = test, the one before = valid), full ranking over every unseen
// item. load → preprocess → pretrain → fine-tune on every train interaction (the control:
// no valuation) → evaluate, each through the same functions the pipeline steps call, next to
// most-popular, item-kNN and EASE computed in the same run and to the published figures on
// the same Amazon Beauty file. Prints figures and wall times (with the 1-minute load average,
// since the host is shared); asserts nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { BenchUsageError, parseStringFlags, runIfMain } from './flags';
import { loadSource, preprocess, type SplitDataset } from '../shared/data';
import { selectBackend } from '../shared/ml/backend';
import { disposeModel } from '../shared/ml/encoder';
import { finetune } from '../shared/ml/finetune';
import { loadModel } from '../shared/ml/load-model';
import { pretrain } from '../shared/ml/pretrain';
import { parseSpec, type PipelineSpec } from '../shared/pipeline/spec';
import { historyOf, itemTextTokens } from '../shared/pipeline/steps/dataset-input';
import { baselines, evaluateModel, evaluateOnValidation } from '../shared/pipeline/steps/infer';
import { realSource, REAL_DATASETS, type RealDataset } from './valuation/datasets';
import { markdownTable } from './valuation/table';

const USAGE = `usage: npm run bench -- quality [--dataset ${REAL_DATASETS.join('|')}|all]
       [--epochs-pretrain N] [--epochs-finetune N] [--batch-pretrain N] [--batch-finetune N]
       [--negatives N (0 = full softmax)] [--sampler uniform|popularity] [--lr X] [--lr-decay X (per epoch)]
       [--weight-decay X (AdamW, decoupled)] [--lazy-adam on|off]
       [--dim N] [--layers N] [--heads N] [--ffn N (× dim)] [--dropout X] [--max-len N] [--scale-input on|off]
       [--valid-every N (0 = train every epoch; N = pick the epoch on the valid split)] [--threads N]
       [--ease-max-items N] [--seed N]
Flags left out take each dataset's defaults, printed before its run.`;

const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1');
const FlagsSchema = z.object({
  dataset: z.enum([...REAL_DATASETS, 'all'], { error: `must be one of ${REAL_DATASETS.join(', ')}, all` }).default('all'),
  'epochs-pretrain': positiveInt.optional(),
  'epochs-finetune': positiveInt.optional(),
  'batch-pretrain': positiveInt.optional(),
  'batch-finetune': positiveInt.optional(),
  negatives: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be 0 (full softmax) or more').optional(),
  sampler: z.enum(['uniform', 'popularity'], { error: 'must be uniform or popularity' }).optional(),
  lr: z.coerce.number({ error: 'must be a number' }).positive('must be > 0').max(1, 'must be ≤ 1').optional(),
  'lr-decay': z.coerce.number({ error: 'must be a number' }).positive('must be > 0').max(1, 'must be ≤ 1 (1 = constant)').optional(),
  'weight-decay': z.coerce.number({ error: 'must be a number' }).min(0, 'must be ≥ 0 (0 = plain Adam)').max(1, 'must be ≤ 1').optional(),
  dim: positiveInt.optional(),
  layers: positiveInt.optional(),
  heads: positiveInt.optional(),
  ffn: positiveInt.optional(),
  dropout: z.coerce.number({ error: 'must be a number' }).min(0, 'must be ≥ 0').max(0.9, 'must be ≤ 0.9').optional(),
  'max-len': z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(2, 'must be at least 2').optional(),
  'scale-input': z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
  'lazy-adam': z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
  threads: positiveInt.max(32, 'must be at most 32').optional(),
  'valid-every': z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be 0 (off) or more').optional(),
  'ease-max-items': z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(10, 'must be at least 10').optional(),
  seed: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be ≥ 0').default(42),
});
type Flags = z.infer<typeof FlagsSchema>;

export const parseFlags = (args: string[]): Flags => parseStringFlags(FlagsSchema, args, USAGE);

/**
 * Per-dataset training sizes when no flag overrides them, chosen from validation-set learning
 * curves (the test split untouched) so that `--dataset all` takes about an hour on a 2-core
 * host. The curves and every alternative tried: docs/quality.md ("the quality bench's training
 * plans").
 */
interface TrainingPlan {
  readonly pretrain: object;
  readonly finetune: object;
  readonly encoder: object;
  readonly easeMaxItems: number;
  /**
   * 0: fine-tune every epoch of the plan. N: score the validation split every N epochs, stop at
   * the first score below the best so far, and evaluate the best checkpoint on the test split
   * (the published protocol selects its epoch on the validation split the same way)
   */
  readonly validEvery: number;
}
const BEAUTY_TRAINING = { batchSize: 128, loss: { kind: 'sampled', negatives: 8192, sampler: 'popularity' }, optimizer: { lr: 1e-3, lazyRows: false }, threads: 2 };
const PLANS: Record<RealDataset, TrainingPlan> = {
  'ml-100k': { encoder: {}, pretrain: { epochs: 2, threads: 2 }, finetune: { epochs: 20, threads: 2 }, easeMaxItems: 3000, validEvery: 0 },
  'amazon-beauty': {
    encoder: { maxLen: 50, heads: 1, ffnMultiplier: 1, dropout: 0.1 },
    pretrain: { ...BEAUTY_TRAINING, epochs: 1 },
    finetune: { ...BEAUTY_TRAINING, epochs: 12, optimizer: { ...BEAUTY_TRAINING.optimizer, lr: 2e-3, lrDecayPerEpoch: 0.75, weightDecay: 0.02 } },
    easeMaxItems: 3000,
    validEvery: 2,
  },
};

/** The pipeline spec of one dataset: its plan with the flags laid over it, validated by the pipeline's own schema. */
export function specFor(dataset: RealDataset, flags: Flags): PipelineSpec {
  const plan = PLANS[dataset];
  const lossOf = (planned: object | undefined) => {
    const sampled = (planned as { kind?: string } | undefined)?.kind === 'sampled' ? planned : {};
    const loss = flags.negatives === undefined ? planned : flags.negatives === 0 ? { kind: 'full' } : { ...sampled, kind: 'sampled', negatives: flags.negatives };
    if (!flags.sampler) return loss;
    if ((loss as { kind?: string } | undefined)?.kind !== 'sampled') throw new BenchUsageError(`--sampler ${flags.sampler}: ${dataset} trains with the full softmax; add --negatives N to sample\n${USAGE}`);
    return { ...loss, sampler: flags.sampler };
  };
  const encoder = {
    ...plan.encoder,
    ...(flags.dim && { dim: flags.dim }),
    ...(flags.layers && { layers: flags.layers }),
    ...(flags.heads && { heads: flags.heads }),
    ...(flags.ffn && { ffnMultiplier: flags.ffn }),
    ...(flags.dropout !== undefined && { dropout: flags.dropout }),
    ...(flags['max-len'] && { maxLen: flags['max-len'] }),
    ...(flags['scale-input'] && { scaleInputEmbeddings: flags['scale-input'] === 'on' }),
  };
  const training = (base: object, epochs: number | undefined, batchSize: number | undefined) => {
    const b = base as { optimizer?: object; loss?: object };
    const loss = lossOf(b.loss);
    return {
      ...base,
      seed: flags.seed,
      ...(epochs && { epochs }),
      ...(batchSize && { batchSize }),
      ...(loss && { loss }),
      ...(flags.threads && { threads: flags.threads }),
      optimizer: {
        ...b.optimizer,
        ...(flags.lr && { lr: flags.lr }),
        ...(flags['lr-decay'] && { lrDecayPerEpoch: flags['lr-decay'] }),
        ...(flags['weight-decay'] !== undefined && { weightDecay: flags['weight-decay'] }),
        ...(flags['lazy-adam'] && { lazyRows: flags['lazy-adam'] === 'on' }),
      },
    };
  };
  const input = {
    dataset,
    source: realSource(dataset),
    pretrain: { ...training(plan.pretrain, flags['epochs-pretrain'], flags['batch-pretrain']), encoder },
    finetune: training(plan.finetune, flags['epochs-finetune'], flags['batch-finetune']),
    infer: { k: 10, ease: { maxItems: flags['ease-max-items'] ?? plan.easeMaxItems } },
  };
  const spec = parseSpec(input, `quality bench (${dataset})`);
  // item text must fit one encoder row ([item, token…]); a shorter maxLen shortens the text kept
  const { maxLen } = spec.pretrain.encoder;
  if (spec.pretrain.text.maxTokens + 1 <= maxLen) return spec;
  return parseSpec({ ...input, pretrain: { ...input.pretrain, text: { maxTokens: maxLen - 1 } } }, `quality bench (${dataset})`);
}

/** HR@10 / NDCG@10 on exactly beauty.txt, leave-one-out, full ranking (Klenitskiy & Vasilev, RecSys 2023; /work/shared/data/SOURCE.md). */
const PUBLISHED_BEAUTY: ReadonlyArray<[string, number, number]> = [
  ['BERT4Rec', 0.0338, 0.0187],
  ['SASRec (BCE)', 0.0246, 0.0126],
  ['SASRec (full cross-entropy)', 0.0533, 0.0327],
];

const load1 = (): string => loadavg()[0]!.toFixed(1);
const f4 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4));

class StepClock {
  readonly rows: string[][] = [];
  async time<T>(step: string, work: () => Promise<T>, note = (_: T) => ''): Promise<T> {
    const started = performance.now();
    const out = await work();
    this.add(step, (performance.now() - started) / 1000, note(out));
    return out;
  }
  add(step: string, seconds: number, note = ''): void {
    this.rows.push([step, seconds.toFixed(1), load1(), note]);
  }
}

function describeTraining(spec: PipelineSpec): string {
  const e = spec.pretrain.encoder;
  const loss = (l: PipelineSpec['pretrain']['loss']) => (l.kind === 'full' ? 'full softmax' : `sampled softmax, ${l.negatives} ${l.sampler} negatives`);
  return [
    `encoder dim ${e.dim}, ${e.layers} blocks, ${e.heads} heads, FFN ${e.ffnMultiplier}×dim, maxLen ${e.maxLen}, dropout ${e.dropout}${e.scaleInputEmbeddings ? ", inputs scaled by √dim" : ""}`,
    `pretrain ${spec.pretrain.epochs} epochs, batch ${spec.pretrain.batchSize}, lr ${spec.pretrain.optimizer.lr}, ${loss(spec.pretrain.loss)}, mask ${spec.pretrain.maskProb}`,
    `fine-tune ${spec.finetune.epochs} epochs, batch ${spec.finetune.batchSize}, lr ${spec.finetune.optimizer.lr}${spec.finetune.optimizer.lrDecayPerEpoch < 1 ? ` ×${spec.finetune.optimizer.lrDecayPerEpoch} per epoch` : ''}${spec.finetune.optimizer.lazyRows ? '' : ' (dense Adam)'}, ${loss(spec.finetune.loss)}; ${spec.finetune.threads} training thread(s)`,
  ].join('\n  ');
}

/**
 * Times each baseline from the infer step's progress heartbeats: `baselines` reports
 * "evaluating <name>" right after building <name>'s scorer, and each result carries its
 * evaluation seconds, so build = gap between heartbeats minus the previous evaluation.
 */
async function timedBaselines(ds: SplitDataset, spec: PipelineSpec) {
  const marks: Array<{ name: string; at: number }> = [];
  const started = performance.now();
  const metrics = await baselines(ds, spec, { heartbeat: (p) => marks.push({ name: String(p.phase).replace(/^evaluating /, ''), at: performance.now() }) });
  const ended = performance.now();
  const seconds: Record<string, number> = {};
  let buildStart = started;
  marks.forEach((mark, i) => {
    const evalSeconds = metrics[mark.name]?.evalSeconds ?? 0;
    const next = marks[i + 1]?.at ?? ended;
    const build = (mark.at - buildStart) / 1000;
    seconds[mark.name] = i + 1 < marks.length ? build + evalSeconds : build + (next - mark.at) / 1000;
    buildStart = mark.at + evalSeconds * 1000;
  });
  return { metrics, seconds };
}

/** Valid-split HR@10 of the model in a checkpoint directory. */
async function validHitRate(dir: string, ds: SplitDataset, spec: PipelineSpec): Promise<number> {
  const { model } = await loadModel(dir);
  try {
    return (await evaluateOnValidation(model, ds, spec)).means.hitRate;
  } finally {
    disposeModel(model);
  }
}

/** Picks the fine-tuning epoch on the validation split: see TrainingPlan.validEvery. */
class ValidationSelection {
  best: { epoch: number; hitRate: number; dir: string } | null = null;
  stop = false;
  private readonly scores: string[] = [];
  constructor(
    private readonly every: number,
    private readonly score: (dir: string) => Promise<number>,
    private readonly log: (line: string) => void,
  ) {}

  async afterEpoch({ epoch, checkpointDir }: { epoch: number; checkpointDir: string }): Promise<void> {
    if (this.every === 0 || epoch % this.every !== 0) return;
    const hitRate = await this.score(checkpointDir);
    this.scores.push(`${epoch}: ${hitRate.toFixed(4)}`);
    this.log(`validation HR@10 after epoch ${epoch}: ${hitRate.toFixed(4)}${this.best ? ` (best so far ${this.best.hitRate.toFixed(4)} at epoch ${this.best.epoch})` : ''}`);
    if (!this.best || hitRate > this.best.hitRate) this.best = { epoch, hitRate, dir: checkpointDir };
    else this.stop = true;
  }

  describe(): string {
    return this.best ? `; validation HR@10 by epoch ${this.scores.join(', ')}; testing epoch ${this.best.epoch}` : '';
  }
}

async function runDataset(dataset: RealDataset, spec: PipelineSpec, flags: Flags, scratch: string): Promise<void> {
  console.log(`\n## ${dataset} — leave-last-out, full ranking over all unseen items, K=${spec.infer.k} (load ${load1()})`);
  console.log(`  ${describeTraining(spec)}`);
  const clock = new StepClock();
  const source = spec.source;
  const raw = await clock.time('load', () => loadSource(source), (r) => `${r.events.length} events`);
  const { dataset: ds } = await clock.time('preprocess', () => preprocess(raw, source.preprocess),
    (r) => `${r.dataset.numUsers} users, ${r.dataset.numItems} items; train ${r.dataset.train.length}, valid ${r.dataset.valid.length}, test ${r.dataset.test.length}`);
  const log = (line: string) => console.log(`  ${line} [load ${load1()}]`);

  const pre = await clock.time('pretrain', () =>
    pretrain({ numItems: ds.numItems, sequences: historyOf(ds, false), itemText: itemTextTokens(ds) }, spec.pretrain, { checkpointDir: path.join(scratch, dataset, 'pretrain'), log }),
    (r) => `${r.epochsDone} epochs, ${r.examplesPerSecond.toFixed(0)} windows/s, loss ${r.lossHistory.map((l) => l.toFixed(3)).join(' → ')}`);
  const validEvery = flags['valid-every'] ?? PLANS[dataset].validEvery;
  const selection = new ValidationSelection(validEvery, (dir) => validHitRate(dir, ds, spec), log);
  const ft = await clock.time('fine-tune (control)', () =>
    finetune({ numUsers: ds.numUsers, numItems: ds.numItems, train: ds.train }, pre.model, spec.finetune, { checkpointDir: path.join(scratch, dataset, 'finetune'), log, onEpoch: (p) => selection.afterEpoch(p), shouldStop: () => selection.stop }),
    (r) => `${r.epochsDone} epochs, ${r.examplesPerSecond.toFixed(0)} examples/s, loss ${r.lossHistory.map((l) => l.toFixed(3)).join(' → ')}${selection.describe()}`);
  disposeModel(pre.model);
  const chosen = selection.best && selection.best.epoch !== ft.epochsDone ? (await loadModel(selection.best.dir)).model : ft.model;
  if (chosen !== ft.model) disposeModel(ft.model);
  const model = await clock.time('evaluate fine-tuned', () => evaluateModel(chosen, ds, spec), (r) => `ONNX Runtime ${r.provider}, ${r.result.counts.usersEvaluated} users`);
  disposeModel(chosen);
  const base = await timedBaselines(ds, spec);
  for (const name of Object.keys(base.metrics)) clock.add(`baseline ${name}`, base.seconds[name] ?? Number.NaN, name === 'ease' ? `fit ${base.metrics.ease!.fitSeconds!.toFixed(1)} s` : '');

  const m = model.result.means;
  const rows: string[][] = [['fine-tuned (control, this run)', f4(m.hitRate), f4(m.ndcg), f4(m.mrr), String(model.result.counts.usersEvaluated)]];
  for (const [name, r] of Object.entries(base.metrics)) rows.push([`${name} (this run)`, f4(r['hr@10']), f4(r['ndcg@10']), f4(r.mrr), String(r.users)]);
  if (dataset === 'amazon-beauty') for (const [name, hr, ndcg] of PUBLISHED_BEAUTY) rows.push([`${name} (published)`, f4(hr), f4(ndcg), '—', '—']);
  console.log('\n' + markdownTable(['model', 'HR@10', 'NDCG@10', 'MRR', 'users'], rows));
  const ease = base.metrics.ease;
  if (ease && ease.easeItemsKept! < ease.easeItemsTotal!) console.log(`EASE is fitted on the ${ease.easeItemsKept} most frequent of ${ease.easeItemsTotal} items only (the others are never recommended).`);
  if (dataset === 'amazon-beauty') console.log('Published: Klenitskiy & Vasilev, RecSys 2023, on the same beauty.txt, leave-one-out, full ranking.');
  else console.log('No published figures on this exact file and split are shipped (SOURCE.md lists them for Amazon Beauty only).');
  console.log('\n' + markdownTable(['step', 'seconds', 'load', 'detail'], clock.rows));
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const datasets = flags.dataset === 'all' ? REAL_DATASETS : [flags.dataset];
  // every dataset's spec up front, so a flag that one of them cannot take fails before any training
  const specs = datasets.map((dataset) => specFor(dataset, flags));
  const backend = await selectBackend(undefined, () => undefined);
  console.log(`quality bench: ${datasets.join(', ')}; tfjs backend ${backend.name} (${backend.device}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const scratch = await mkdtemp(path.join(tmpdir(), 'assay-quality-'));
  const started = performance.now();
  try {
    for (const [i, dataset] of datasets.entries()) await runDataset(dataset, specs[i] as PipelineSpec, flags, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  console.log(`\nquality bench total: ${((performance.now() - started) / 60000).toFixed(1)} min (load ${load1()})`);
}

runIfMain(module, run);
