// The fine-tune step with spec.finetune.earlyStopping, on the tiny spec with real training.
// Validation scores are scripted (the scorer is mocked) so a stop is certain; the weights
// the step publishes are compared byte for byte with the epoch checkpoints it wrote.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { loadSpecFile, type PipelineSpec, type PipelineSpecInput } from '../../../shared/pipeline/spec';
import type { StepContext, StepDefinition } from '../../../shared/pipeline/step';
import { preprocessStep } from '../../../shared/pipeline/steps/preprocess';
import { pretrainStep } from '../../../shared/pipeline/steps/pretrain';
import { finetuneStep } from '../../../shared/pipeline/steps/finetune';
import { localStepContext } from '../../support/pipeline';

const scripted = vi.hoisted(() => ({ scores: [] as number[], calls: 0 }));
vi.mock('../../../shared/pipeline/steps/infer', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  evaluateOnValidation: async () => ({ means: { ndcg: scripted.scores[scripted.calls++] ?? 0 } }),
}));

let root: string;
const inputs: Record<string, string> = {};

function contextFor(spec: PipelineSpec, group: string): StepContext {
  return localStepContext(spec, { inputs, outDir: path.join(root, group), scratchDir: path.join(root, `${group}-scratch`), variant: group.startsWith('control') ? 'control' : undefined });
}

async function runStep(def: StepDefinition, spec: PipelineSpec, group: string) {
  const ctx = contextFor(spec, group);
  await mkdir(ctx.outDir, { recursive: true });
  await mkdir(ctx.scratchDir!, { recursive: true });
  const outcome = await def.run(ctx, def.config(spec, ctx.request));
  return { outcome, outDir: ctx.outDir, scratchDir: ctx.scratchDir! };
}

function tinySpec(finetune: PipelineSpecInput['finetune']): PipelineSpec {
  return loadSpecFile(path.resolve(__dirname, '../../../specs/tiny.json'), { finetune: { batchSize: 128, ...finetune } } as never);
}

/** Every file of a checkpoint folder, by name. */
async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = await readFile(path.join(dir, name));
  return out;
}

/** The folder of epoch `epoch` the training loop wrote inside the step's scratch folder. */
async function epochDir(scratchDir: string, epoch: number): Promise<string> {
  const [ckpt] = (await readdir(scratchDir)).filter((n) => n.includes('-ckpt-'));
  return path.join(scratchDir, ckpt!, `epoch-${String(epoch).padStart(4, '0')}`);
}

describe('the fine-tune step with early stopping', () => {
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'assay-early-stopping-'));
    await selectBackend(undefined, () => {});
    const spec = tinySpec({ epochs: 1 });
    inputs.preprocess = (await runStep(preprocessStep, spec, 'preprocess')).outDir;
    inputs.pretrain = (await runStep(pretrainStep, spec, 'pretrain')).outDir;
  }, 240_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stops after `patience` scorings without a gain and publishes the best epoch, not the last', async () => {
    scripted.scores = [0.1, 0.3, 0.2, 0.25, 0.9, 0.9];
    scripted.calls = 0;
    const run = await runStep(finetuneStep, tinySpec({ epochs: 6, earlyStopping: { patience: 2, every: 1 } }), 'control-stopping');
    expect(run.outcome.metrics.epochs).toBe(4);
    expect(run.outcome.metrics.bestEpoch).toBe(2);
    expect(run.outcome.metrics.validNdcg).toBeCloseTo(0.3);
    const published = await filesOf(run.outDir);
    expect(published).toEqual(await filesOf(await epochDir(run.scratchDir, 2)));
    expect(published).not.toEqual(await filesOf(await epochDir(run.scratchDir, 4)));
  }, 240_000);

  it('off by default: the last epoch is published, nothing is scored, and scoring never changes the training itself', async () => {
    scripted.calls = 0;
    const plain = await runStep(finetuneStep, tinySpec({ epochs: 3 }), 'control-plain');
    expect(scripted.calls).toBe(0);
    expect(plain.outcome.metrics.bestEpoch).toBeUndefined();
    expect(await filesOf(plain.outDir)).toEqual(await filesOf(await epochDir(plain.scratchDir, 3)));

    scripted.scores = [0.5, 0.1, 0.1];
    scripted.calls = 0;
    const patient = await runStep(finetuneStep, tinySpec({ epochs: 3, earlyStopping: { patience: 10, every: 1 } }), 'control-patient');
    expect(scripted.calls).toBe(3);
    expect(patient.outcome.metrics.bestEpoch).toBe(1);
    // the same weights epoch by epoch as the plain run: validation scoring leaves the training untouched
    expect(await filesOf(await epochDir(patient.scratchDir, 3))).toEqual(await filesOf(await epochDir(plain.scratchDir, 3)));
    expect(await filesOf(patient.outDir)).toEqual(await filesOf(await epochDir(plain.scratchDir, 1)));
  }, 240_000);
});
