// The five steps called directly, in one process, on local folders: no Temporal, no store,
// no database. The overhead benchmark compares this with the same pipeline run through
// Temporal, so the cost of durability is measured rather than guessed.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../ml/backend';
import type { RunIdentity, StepName, Variant } from './contract';
import type { PipelineSpec } from './spec';
import type { StepContext, StepDefinition, StepOutcome } from './step';
import { preprocessStep } from './steps/preprocess';
import { pretrainStep } from './steps/pretrain';
import { valueStep } from './steps/value';
import { finetuneStep } from './steps/finetune';
import { inferStep } from './steps/infer';
import { reportStep } from './steps/report';

export interface BareRun {
  outcomes: Array<{ step: StepName; variant?: Variant; seconds: number; outcome: StepOutcome }>;
  seconds: number;
}

export async function runBare(spec: PipelineSpec): Promise<BareRun> {
  const root = await mkdtemp(path.join(tmpdir(), 'assay-bare-'));
  const run: RunIdentity = { runId: `bare/${spec.dataset}/${spec.partition}`, executionId: 'bare', dataset: spec.dataset, partition: spec.partition, codeVersion: spec.codeVersion };
  const folders: Record<string, string> = {};
  const outcomes: BareRun['outcomes'] = [];
  // The same backend choice the activities make (native bindings → WASM → CPU).
  await selectBackend(undefined, () => {});
  const t0 = performance.now();
  const step = async (def: StepDefinition, variant?: Variant) => {
    const group = variant ? `${variant}-${def.step}` : def.step;
    const outDir = path.join(root, group);
    const scratchDir = path.join(root, `${group}-scratch`);
    await mkdir(outDir, { recursive: true });
    await mkdir(scratchDir, { recursive: true });
    const ctx: StepContext = {
      request: { run, spec, inputs: {}, variant, noCache: true },
      inputs: { ...folders },
      outDir,
      scratchDir,
      backend: 'bare',
      heartbeat: () => {},
      cancelled: () => false,
      checkpoint: async () => {},
      recordEpochMetrics: async () => {},
      runRecords: async () => ({ run: undefined, steps: [], metrics: [], values: [] }),
    };
    const started = performance.now();
    const outcome = await def.run(ctx);
    outcomes.push({ step: def.step, variant, seconds: (performance.now() - started) / 1000, outcome });
    folders[group] = outDir;
  };
  try {
    await step(preprocessStep);
    await step(pretrainStep);
    await step(valueStep);
    await step(finetuneStep, 'valued');
    if (spec.control) await step(finetuneStep, 'control');
    await step(inferStep);
    await step(reportStep);
    return { outcomes, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
