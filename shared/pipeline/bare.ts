// The pipeline's steps called directly, in one process, on local folders: no Temporal, no
// store, no database. It walks the same graph as the workflow (step-table.ts), so the overhead
// benchmark compares like with like and the cost of durability is measured rather than guessed.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../ml/backend';
import type { RunIdentity, StepName, Variant } from './contract';
import type { PipelineSpec } from './spec';
import { localStepContext, type StepOutcome } from './step';
import { groupOf, inputGroups, stagesFor, type GraphNode } from './step-table';
import { STEP_DEFINITIONS } from './steps';

export interface BareRun {
  outcomes: Array<{ step: StepName; variant?: Variant; seconds: number; outcome: StepOutcome }>;
  seconds: number;
}

/** `root`: a folder to keep each step's outputs in (`<root>/<group>`), left for the caller to read and remove. */
export async function runBare(spec: PipelineSpec, options: { root?: string } = {}): Promise<BareRun> {
  const root = options.root ?? (await mkdtemp(path.join(tmpdir(), 'assay-bare-')));
  const run: RunIdentity = { runId: `bare/${spec.dataset}/${spec.partition}`, executionId: 'bare', dataset: spec.dataset, partition: spec.partition, codeVersion: spec.codeVersion };
  const folders: Record<string, string> = {};
  const outcomes: BareRun['outcomes'] = [];
  // The same backend choice the activities make (native bindings → WASM → CPU).
  await selectBackend(undefined, () => {});
  const t0 = performance.now();
  const step = async (node: GraphNode) => {
    const { step: name, variant } = node;
    const def = STEP_DEFINITIONS[name];
    const group = groupOf(name, variant);
    const outDir = path.join(root, group);
    const scratchDir = path.join(root, `${group}-scratch`);
    await mkdir(outDir, { recursive: true });
    await mkdir(scratchDir, { recursive: true });
    const inputs = Object.fromEntries(inputGroups(node, (g) => g in folders).flatMap((g) => (folders[g] ? [[g, folders[g]]] : [])));
    const ctx = localStepContext({ run, inputs: {}, variant, noCache: true }, { inputs, outDir, scratchDir, backend: 'bare' });
    const started = performance.now();
    const outcome = await def.run(ctx, def.config(spec, ctx.request));
    outcomes.push({ step: name, variant, seconds: (performance.now() - started) / 1000, outcome });
    folders[group] = outDir;
  };
  try {
    // one step at a time, also within a stage: the benchmark times each step alone
    for (const stage of stagesFor(spec)) for (const node of stage) await step(node);
    return { outcomes, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (!options.root) await rm(root, { recursive: true, force: true });
  }
}
