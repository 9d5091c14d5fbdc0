// valuation.quarantine 'everywhere' through the pipeline's own graph (the bare runner walks the
// workflow's table): the valued model is pretrained again on the kept interactions only, the
// valued fine-tune starts from that pretrain, not from the one every row shaped, and inference
// scores it from histories without the quarantine while leaving every seen item out of its ranking.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBare, type BareRun } from '../../../shared/pipeline/bare';
import { loadSpecFile, type PipelineSpec } from '../../../shared/pipeline/spec';
import { finetuneStep } from '../../../shared/pipeline/steps/finetune';
import { readInt32 } from '../../../shared/pipeline/steps/typed-files';
import { readDataset } from '../../../shared/data/artifacts/arrow-dataset';
import { localStepContext } from '../../support/pipeline';
import { valuedNdcgAsRead } from '../../support/valued-reads';

let root: string;
let run: BareRun;
const specWith = (quarantine: 'drop' | 'everywhere'): PipelineSpec => loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { valuation: { method: 'knn-shapley', k: 5, keep: 0.7, quarantine }, finetune: { epochs: 4 } } as never);
const outcomeOf = (step: string, variant?: string) => run.outcomes.find((o) => o.step === step && o.variant === variant)?.outcome;

/** The valued fine-tune's step run again on the bare run's folders, from the pretrain in `pretrainGroup`, with quarantine 'drop'. */
async function valuedFinetuneFrom(pretrainGroup: string): Promise<string> {
  const spec = specWith('drop');
  const outDir = path.join(root, `again-from-${pretrainGroup}`);
  await mkdir(outDir, { recursive: true });
  const ctx = localStepContext(spec, { inputs: { preprocess: path.join(root, 'preprocess'), value: path.join(root, 'value'), pretrain: path.join(root, pretrainGroup) }, outDir, variant: 'valued' });
  await finetuneStep.run(ctx, finetuneStep.config(spec, ctx.request));
  return outDir;
}

/** The digest of each file of the published model (the step's outputs without its scratch). */
async function modelFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) {
    out[name] = createHash('sha256').update(await readFile(path.join(dir, name))).digest('hex');
  }
  return out;
}

describe("valuation.quarantine 'everywhere'", () => {
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'assay-everywhere-'));
    run = await runBare(specWith('everywhere'), { root });
  }, 300_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('pretrains the valued model again on the kept interactions alone, after the value step', () => {
    const order = run.outcomes.map((o) => (o.variant ? `${o.variant}-${o.step}` : o.step));
    expect(order.indexOf('valued-pretrain')).toBeGreaterThan(order.indexOf('value'));
    expect(order.indexOf('valued-pretrain')).toBeLessThan(order.indexOf('valued-finetune'));
    const value = outcomeOf('value')!;
    expect(outcomeOf('pretrain')!.metrics.trainInteractions).toBe(value.metrics.examples);
    expect(outcomeOf('pretrain', 'valued')!.metrics.trainInteractions).toBe(value.metrics.kept);
    expect(value.metrics.kept).toBeLessThan(value.metrics.examples!);
    // the control still fine-tunes every row from the pretrain every row shaped
    expect(outcomeOf('finetune', 'control')!.metrics.trainExamples).toBe(value.metrics.examples);
    expect(outcomeOf('finetune', 'valued')!.metrics.trainExamples).toBe(value.metrics.kept);
  });

  it("fine-tunes from the valued pretrain: the same model as 'drop' from that pretrain, a different one from the pretrain on every row", async () => {
    const fromValuedPretrain = await modelFiles(path.join(root, 'valued-finetune'));
    expect(Object.keys(fromValuedPretrain).length).toBeGreaterThan(0);
    expect(await modelFiles(await valuedFinetuneFrom('valued-pretrain'))).toEqual(fromValuedPretrain);
    expect(await modelFiles(await valuedFinetuneFrom('pretrain'))).not.toEqual(fromValuedPretrain);
  }, 120_000);

  it('scores the valued model from the histories without its quarantine, on the same ranking task as the control', async () => {
    const { reported, asQuarantined, fullHistories } = await valuedNdcgAsRead(run, root, specWith('everywhere'));
    expect(asQuarantined.means.ndcg).toBe(reported);
    expect(fullHistories.means.ndcg).not.toBe(reported);
    expect(asQuarantined.counts.usersEvaluated).toBe(fullHistories.counts.usersEvaluated);
  });

  it('leaves out of the valued recommendations every item a user has seen, the quarantined ones too', async () => {
    const ds = await readDataset(path.join(root, 'preprocess'));
    const quarantine = await readInt32(path.join(root, 'value', 'quarantine.i32'));
    const seen = new Map<string, Set<string>>();
    const see = (user: number, item: number) => {
      const id = ds.userIds[user]!;
      if (!seen.has(id)) seen.set(id, new Set());
      seen.get(id)!.add(ds.itemIds[item]!);
    };
    for (let j = 0; j < ds.train.length; j++) see(ds.train.user[j]!, ds.train.item[j]!);
    for (let j = 0; j < ds.valid.length; j++) see(ds.valid.user[j]!, ds.valid.item[j]!);
    const lines = (await readFile(path.join(root, 'infer', 'recommendations.jsonl'), 'utf8')).trim().split('\n');
    let checked = 0;
    for (const line of lines) {
      const { user, items } = JSON.parse(line) as { user: string; items: string[] };
      for (const item of items) expect(seen.get(user)?.has(item) ?? false, `${user} was recommended ${item}, which they have seen`).toBe(false);
      checked += items.length;
    }
    expect(checked).toBeGreaterThan(0);
    expect(quarantine.length).toBeGreaterThan(0);
  });
});
