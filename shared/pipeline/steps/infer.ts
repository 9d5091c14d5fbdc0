// Step 5: full-ranking evaluation of the valued model, the control and the baselines on the
// held-out test split (seen items excluded unless infer.excludeSeen is false, never sampled
// negatives); top-K recommendations
// for every user through the exported ONNX scorer; the quarantine set scored by the
// fine-tuned model, listing the examples it confidently contradicts (suspected noise); and, with
// infer.search, query rankings for held-out queries (shared/search/pipeline-search.ts).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EVENT_TYPES, type SplitDataset, type UserSequences } from '../../data/types';
import { evaluateFullRanking, type EvaluationResult } from '../../eval/evaluate';
import { userCsrFromInteractions, type TargetSets } from '../../eval/interaction-csr';
import { binaryUserItem } from '../../eval/baselines/binary-user-item';
import { buildMostPopular } from '../../eval/baselines/most-popular';
import { buildItemKnn } from '../../eval/baselines/item-knn';
import { buildEase } from '../../eval/baselines/ease';
import { loadModel } from '../../ml/load-model';
import { contextEmbeddings, itemEmbeddings, itemsIn, servingItemEmbeddings, userEmbeddings } from '../../ml/scoring';
import type { RecModel } from '../../ml/encoder';
import { exportDotScorer } from '../../ml/onnx/export-dot-scorer';
import { createScoringSession } from '../../ml/onnx/scoring-session';
import { onnxBatchScorer, recommendTopK } from '../../ml/onnx/batch-inference';
import { searchMetrics } from '../../search/pipeline-search';
import { refuseBadSearchInput } from './search-input';
import type { PipelineSpec } from '../spec';
import { defineStep, type StepContext } from '../step';
import { readsKept, valuedModelData } from '../../valuation/quarantine';

/** What evaluation reads of the spec: the infer settings (a whole spec has them too). */
export type InferSettings = Pick<PipelineSpec, 'infer'>;
import { historyOf, inputFolder, readInputDataset, readSelectedRows, trainAndValid } from './dataset-input';
import { seededRowSample } from '../../random';
import { contextsBefore } from './contexts';
import { readFloat64, readInt32 } from './typed-files';
import { VALUED_VS_CONTROL_FILE } from './valued-vs-control';
import { SEARCH_CLICKS_FILE, SEARCH_VALUES_FILE } from './value';
import { valuedVsControl } from './valued-vs-control-paired';
import { COLD_ITEMS_PREFIX } from './cold-items';
import { dotEveryRow } from '../../eval/row-dot';

type Metrics = Record<string, number>;

function summarize(r: EvaluationResult, k: number): Metrics {
  return { [`ndcg@${k}`]: r.means.ndcg, [`hr@${k}`]: r.means.hitRate, [`recall@${k}`]: r.means.recall, mrr: r.means.mrr, auc: r.means.auc, users: r.counts.usersEvaluated, evalSeconds: r.seconds };
}

/** What a split is scored against: each user's context, the items left out of the ranking, and the held-out items. */
interface EvaluationSetting {
  readonly seen: UserSequences;
  readonly excluded: UserSequences;
  readonly targets: TargetSets;
}

function noExclusions(numUsers: number): UserSequences {
  return { offsets: new Int32Array(numUsers + 1), items: new Int32Array(0) };
}

/** `context`: the histories the model reads, where they are not all the users have seen (the valued model's under quarantine 'hidden' or 'everywhere'). */
function settingOf(ds: SplitDataset, seen: UserSequences, targets: TargetSets, spec: InferSettings, context: UserSequences = seen): EvaluationSetting {
  return { seen: context, excluded: spec.infer.excludeSeen ? seen : noExclusions(ds.numUsers), targets };
}

/** The test split as rows of the train+valid table the users have already seen; the model reads the histories of `reads`. */
function testSetting(ds: SplitDataset, spec: InferSettings, reads: SplitDataset = ds): EvaluationSetting {
  return settingOf(ds, historyOf(ds, true), userCsrFromInteractions(ds.test, ds.numUsers), spec, reads === ds ? undefined : historyOf(reads, true));
}

/** The validation split against the train table alone; the model reads the histories of `reads`. */
function validSetting(ds: SplitDataset, spec: InferSettings, reads: SplitDataset = ds): EvaluationSetting {
  return settingOf(ds, historyOf(ds, false), userCsrFromInteractions(ds.valid, ds.numUsers), spec, reads === ds ? undefined : historyOf(reads, false));
}

/**
 * Full-ranking metrics on the validation split (for picking an epoch; the test split stays unseen).
 * `reads`: the data whose histories the model reads, where that is not `ds` (the valued model
 * under quarantine 'hidden' or 'everywhere', shared/valuation/quarantine.ts); the targets and the items left
 * out of the ranking are always those of `ds`, so every model is scored on the same ranking task.
 */
export async function evaluateOnValidation(model: RecModel, ds: SplitDataset, spec: InferSettings, reads: SplitDataset = ds) {
  const { result, scoring } = await scoreAgainst(model, reads, validSetting(ds, spec, reads), spec);
  await scoring.session.release();
  return result;
}

/** `ds`: the data the model reads (its train rows decide which items it learned). */
async function scoreAgainst(model: RecModel, ds: SplitDataset, setting: EvaluationSetting, spec: InferSettings) {
  const { seen, excluded, targets } = setting;
  const numItems = ds.numItems;
  const users = userEmbeddings(model, seen);
  // with item text, an item no training row reached is ranked by its text alone (servingItemEmbeddings)
  const exported = exportDotScorer({ userEmbeddings: users, itemEmbeddings: servingItemEmbeddings(model, itemsIn(ds.train.item, numItems)), k: spec.infer.k });
  const scoring = await createScoringSession(exported.files['scorer.onnx']);
  const result = await evaluateFullRanking({ scorer: onnxBatchScorer(scoring, users), numItems, seen: excluded, targets, k: spec.infer.k, blockSize: spec.infer.blockSize });
  return { result, users, exported, scoring };
}

/** The test split's evaluation, as evaluateOnValidation; with `outDir`, the scorer and every user's top K are written there. */
export async function evaluateModel(model: RecModel, ds: SplitDataset, spec: InferSettings, { outDir, reads = ds }: { outDir?: string; reads?: SplitDataset } = {}) {
  const setting = testSetting(ds, spec, reads);
  const { result, users, exported, scoring } = await scoreAgainst(model, reads, setting, spec);
  if (outDir) {
    for (const [name, bytes] of Object.entries(exported.files)) await writeFile(path.join(outDir, name), bytes);
    const recs = await recommendTopK({ scoring, userEmbeddings: users, numItems: ds.numItems, k: spec.infer.k, seen: setting.excluded, blockSize: spec.infer.blockSize });
    const lines: string[] = [];
    for (let r = 0; r < recs.users.length; r++) {
      const u = recs.users[r]!;
      const top = Array.from(recs.topK.items.subarray(r * spec.infer.k, (r + 1) * spec.infer.k)).filter((i) => i >= 0);
      const prices = ds.itemPrice ? { prices: top.map((i) => (Number.isNaN(ds.itemPrice![i]!) ? null : ds.itemPrice![i]!)) } : {};
      lines.push(JSON.stringify({ user: ds.userIds[u], items: top.map((i) => ds.itemIds[i]), ...prices }));
    }
    await writeFile(path.join(outDir, 'recommendations.jsonl'), lines.join('\n') + '\n');
  }
  return { result, provider: scoring.executionProvider, fallback: scoring.fallbackReason };
}

/**
 * Scores each quarantined interaction's observed item against the whole catalogue for the
 * context before it; the model "contradicts" an example when it ranks the observed item
 * near the bottom (modelScore = share of items scored below it).
 */
function contradictedQuarantine(model: RecModel, ds: SplitDataset, quarantine: Int32Array, values: Float64Array | undefined, top: number) {
  if (quarantine.length === 0) return [];
  const context = contextEmbeddings(model, { sequences: contextsBefore(ds.train, ds.numUsers, quarantine, model.encoder.maxLen - 1) });
  const items = itemEmbeddings(model);
  const d = items.cols;
  const scored: Array<{ row: number; modelScore: number }> = [];
  // double precision, as the target's own score: an item level with it is not counted below
  const scores = new Float64Array(items.rows);
  for (let q = 0; q < quarantine.length; q++) {
    const row = quarantine[q]!;
    dotEveryRow(context.data.subarray(q * d, (q + 1) * d), items, scores);
    const target = scores[ds.train.item[row]!]!;
    let below = 0;
    for (let i = 0; i < items.rows; i++) if (scores[i]! < target) below++;
    scored.push({ row, modelScore: below / Math.max(1, items.rows - 1) });
  }
  scored.sort((a, b) => a.modelScore - b.modelScore || a.row - b.row);
  return scored.slice(0, top).map(({ row, modelScore }) => ({
    exampleId: `train:${row}`,
    userId: ds.userIds[ds.train.user[row]!],
    itemId: ds.itemIds[ds.train.item[row]!]!,
    itemTitle: ds.itemText[ds.train.item[row]!] || undefined,
    observedLabel: EVENT_TYPES[ds.train.type[row]!] ?? ds.train.relevance[row]!,
    modelScore,
    contradiction: 1 - modelScore,
    value: values?.[row],
  }));
}

/** The targets of `targets` whose item `trained` does not flag, per user (CSR). */
function untrainedTargets(targets: TargetSets, trained: Uint8Array): TargetSets {
  const offsets = new Int32Array(targets.offsets.length);
  const items: number[] = [];
  const relevance: number[] = [];
  for (let u = 0; u + 1 < targets.offsets.length; u++) {
    for (let j = targets.offsets[u]!; j < targets.offsets[u + 1]!; j++) {
      if (trained[targets.items[j]!]) continue;
      items.push(targets.items[j]!);
      if (targets.relevance) relevance.push(targets.relevance[j]!);
    }
    offsets[u + 1] = items.length;
  }
  return { offsets, items: Int32Array.from(items), ...(targets.relevance && { relevance: Float32Array.from(relevance) }) };
}

/**
 * With item text, the test targets whose item no training row reached — items the models know
 * by their text alone (servingItemEmbeddings) — scored apart: the fine-tuned models against
 * most-popular, each over the full ranking. Empty when the model has no item text or the test
 * split has no such target.
 */
async function coldItemMetrics(models: ReadonlyArray<[name: string, model: RecModel, reads: SplitDataset]>, ds: SplitDataset, spec: InferSettings): Promise<Record<string, Metrics>> {
  if (!models[0]?.[1].itemText) return {};
  const setting = testSetting(ds, spec);
  const targets = untrainedTargets(setting.targets, itemsIn(ds.train.item, ds.numItems));
  if (targets.items.length === 0) return {};
  const cold = { ...setting, targets };
  const out: Record<string, Metrics> = {};
  for (const [name, model, reads] of models) {
    const { result, scoring } = await scoreAgainst(model, reads, reads === ds ? cold : { ...testSetting(ds, spec, reads), targets }, spec);
    await scoring.session.release();
    out[`${COLD_ITEMS_PREFIX}${name}`] = { ...summarize(result, spec.infer.k), targets: result.counts.targets };
  }
  const popular = buildMostPopular(binaryUserItem(trainAndValid(ds), ds.numUsers, ds.numItems)).scorer;
  const result = await evaluateFullRanking({ scorer: popular, numItems: ds.numItems, seen: cold.excluded, targets, k: spec.infer.k, blockSize: spec.infer.blockSize });
  out[`${COLD_ITEMS_PREFIX}most-popular`] = { ...summarize(result, spec.infer.k), targets: result.counts.targets };
  return out;
}

/** The value step's search click values, when it wrote them. */
async function searchClickValuesIn(valueDir: string) {
  const entriesFile = path.join(valueDir, SEARCH_CLICKS_FILE);
  if (!existsSync(entriesFile)) return undefined;
  return { entries: await readInt32(entriesFile), values: await readFloat64(path.join(valueDir, SEARCH_VALUES_FILE)) };
}

export async function baselines(ds: SplitDataset, spec: InferSettings, ctx: Pick<StepContext, 'heartbeat'>): Promise<Record<string, Metrics>> {
  const { excluded, targets } = testSetting(ds, spec);
  const matrix = binaryUserItem(trainAndValid(ds), ds.numUsers, ds.numItems);
  const out: Record<string, Metrics> = {};
  const run = async (name: string, scorer: Parameters<typeof evaluateFullRanking>[0]['scorer'], extra: Metrics = {}) => {
    ctx.heartbeat({ phase: `evaluating ${name}` });
    out[name] = { ...summarize(await evaluateFullRanking({ scorer, numItems: ds.numItems, seen: excluded, targets, k: spec.infer.k, blockSize: spec.infer.blockSize }), spec.infer.k), ...extra };
  };
  await run('most-popular', buildMostPopular(matrix).scorer);
  await run('item-knn', buildItemKnn(matrix, { neighbours: spec.infer.itemKnn.neighbours }).scorer);
  const ease = buildEase(matrix, { lambda: spec.infer.ease.lambda, maxItems: spec.infer.ease.maxItems });
  await run('ease', ease.scorer, { easeItemsKept: ease.restriction.itemsKept, easeItemsTotal: ease.restriction.itemsTotal, fitSeconds: ease.fitSeconds });
  return out;
}

export const inferStep = defineStep({
  step: 'infer',
  module: __filename,
  // the seed draws the scored sample of the quarantine set
  // the quarantine mode only where it changes the histories the valued model reads
  config: (spec) => ({ infer: spec.infer, seed: spec.pretrain.seed, ...(readsKept(spec.valuation.quarantine) && { quarantine: spec.valuation.quarantine }) }),
  async run(ctx, spec) {
    const ds = await readInputDataset(ctx);
    const k = spec.infer.k;
    const labelled: Record<string, Metrics> = {};
    ctx.heartbeat({ phase: 'evaluating the valued model' });
    const valued = (await loadModel(inputFolder(ctx, 'valued-finetune'))).model;
    const reads = spec.quarantine ? valuedModelData(ds, await readSelectedRows(ctx), spec.quarantine) : ds;
    const v = await evaluateModel(valued, ds, spec, { outDir: ctx.outDir, reads });
    labelled.valued = summarize(v.result, k);
    const fineTuned: Array<[string, RecModel, SplitDataset]> = [['valued', valued, reads]];
    if (ctx.inputs['control-finetune']) {
      ctx.heartbeat({ phase: 'evaluating the control model' });
      const control = (await loadModel(inputFolder(ctx, 'control-finetune'))).model;
      const c = await evaluateModel(control, ds, spec);
      labelled.control = summarize(c.result, k);
      fineTuned.push(['control', control, ds]);
      await writeFile(path.join(ctx.outDir, VALUED_VS_CONTROL_FILE), JSON.stringify(valuedVsControl(v.result, c.result, k), null, 2));
    }
    Object.assign(labelled, await baselines(ds, spec, ctx));
    ctx.heartbeat({ phase: 'scoring items new to training' });
    Object.assign(labelled, await coldItemMetrics(fineTuned, ds, spec));
    const valueDir = ctx.inputs.value;
    const quarantineFile = valueDir ? path.join(valueDir, 'quarantine.i32') : undefined;
    if (quarantineFile && existsSync(quarantineFile)) {
      ctx.heartbeat({ phase: 'scoring the quarantine set' });
      const values = await readFloat64(path.join(valueDir!, 'values.f64'));
      const quarantine = await readInt32(quarantineFile);
      const scored = seededRowSample(quarantine.length, spec.infer.quarantineMaxScored, spec.seed).map((i) => quarantine[i]!);
      const examples = contradictedQuarantine(valued, ds, scored, values, spec.infer.quarantineTop);
      await writeFile(path.join(ctx.outDir, 'quarantine-contradicted.json'), JSON.stringify(examples, null, 2));
    }
    let search: Record<string, number> = {};
    if (spec.infer.search) {
      ctx.heartbeat({ phase: 'ranking items for held-out queries' });
      search = await refuseBadSearchInput(searchMetrics(ds, spec.infer.search, ctx.outDir, valueDir && spec.infer.search.valuation ? await searchClickValuesIn(valueDir) : undefined));
    }
    await writeFile(path.join(ctx.outDir, 'metrics.json'), JSON.stringify({ k, models: labelled, search, executionProvider: v.provider, fallback: v.fallback }, null, 2));
    return { metrics: { users: v.result.counts.usersEvaluated, ...search }, labelledMetrics: labelled };
  },
});
