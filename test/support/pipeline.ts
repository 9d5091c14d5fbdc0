// Small real pipelines for orchestration tests: the shipped ml-100k data cut to a few
// thousand events and a tiny model, with a dataset name and task queues of the test's own.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseSpec, type PipelineSpec, type PipelineSpecInput } from '../../shared/pipeline/spec';
import type { Variant } from '../../shared/pipeline/contract';
import { localStepContext as bareStepContext, type StepContext } from '../../shared/pipeline/step';
import { repoRoot } from '../../infra/dev/paths';

export function tinySpec(name: string, overrides: Partial<PipelineSpecInput> = {}): PipelineSpec {
  const unique = `${name}-${process.pid}-${Date.now().toString(36)}`;
  return parseSpec({
    dataset: unique,
    partition: 'p0',
    source: {
      format: 'ml-100k',
      path: path.resolve(repoRoot, '..', 'shared', 'data', 'ml-100k'),
      limits: { maxEvents: 3000 },
      preprocess: { split: { mode: 'leave-last-out' } },
    },
    pretrain: { encoder: { dim: 16, layers: 1, heads: 1, maxLen: 16 }, epochs: 2, batchSize: 64, text: { maxTokens: 8 } },
    valuation: { method: 'knn-shapley', k: 5, keep: 0.8, negatives: 1, maxValidPoints: 200 },
    finetune: { epochs: 1, batchSize: 128 },
    infer: { k: 10, ease: { maxItems: 500 } },
    control: true,
    heartbeatSeconds: 10,
    taskQueues: { cpu: `${unique}-cpu`, accelerator: `${unique}-acc` },
    codeVersion: 'test',
    ...overrides,
  });
}

/** An accelerator worker in its own process, pinned like `assay worker --pool gpu --devices N`. */
export function spawnAcceleratorWorker(taskQueue: string, device: string): ChildProcess {
  // `node --import tsx` keeps the worker one process, so SIGKILL really kills it.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'workers', 'main.ts'), 'accelerator', taskQueue], {
    cwd: repoRoot,
    env: { ...process.env, CUDA_VISIBLE_DEVICES: device },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** A worker of either pool in its own process, with extra environment (a private store, a pin). */
export function spawnPoolWorker(pool: 'cpu' | 'accelerator', taskQueue: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'workers', 'main.ts'), pool, taskQueue], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** A step's context on local folders for a test, as the bare runner gives one. */
export function localStepContext(spec: PipelineSpec, place: { inputs: Record<string, string>; outDir: string; scratchDir?: string; variant?: Variant }): StepContext {
  const run = { runId: 'test', executionId: 'test', dataset: spec.dataset, partition: spec.partition, codeVersion: 'test' };
  return bareStepContext({ run, inputs: {}, variant: place.variant, noCache: true }, { inputs: place.inputs, outDir: place.outDir, scratchDir: place.scratchDir ?? place.outDir, backend: 'test' });
}
