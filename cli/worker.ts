// `assay worker --pool cpu` and `assay worker --pool gpu --devices 0,1`: the accelerator pool
// is one process per device, each pinned with CUDA_VISIBLE_DEVICES before TensorFlow loads.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { defaultQueue } from '../shared/temporal/task-queues';
import { STEPS } from '../shared/pipeline/contract';
import { poolOf, type Pool } from '../shared/pipeline/step-table';

/** The steps a pool runs, from the step table, for the help text. */
function stepsOf(pool: Pool): string {
  return STEPS.filter((s) => poolOf(s) === pool).join(', ');
}

export function parseDevices(raw: string): string[] {
  const devices = raw.split(',').map((d) => d.trim()).filter(Boolean);
  if (devices.length === 0 || devices.some((d) => !/^\d+$/.test(d))) throw new Error(`--devices ${JSON.stringify(raw)}: expected GPU indices such as 0 or 0,1`);
  if (new Set(devices).size !== devices.length) throw new Error(`--devices ${raw}: a device is listed twice`);
  return devices;
}

function spawnWorker(pool: 'cpu' | 'accelerator', taskQueue: string, device?: string): ChildProcess {
  const entry = path.join(__dirname, '..', 'workers', 'main.ts');
  const env = { ...process.env };
  if (device !== undefined) env.CUDA_VISIBLE_DEVICES = device;
  // One process per worker (`node --import tsx`, not the tsx wrapper), so signals reach it.
  return spawn(process.execPath, ['--import', 'tsx', entry, pool, taskQueue], { stdio: 'inherit', env, cwd: path.join(__dirname, '..') });
}

export function registerWorker(program: Command): void {
  program.command('worker')
    .description(`run a worker pool: cpu (workflows, ${stepsOf('cpu')}) or gpu (${stepsOf('accelerator')}; one process per device)`)
    .requiredOption('--pool <pool>', 'cpu or gpu')
    .option('--devices <list>', 'gpu pool: device indices, one process each (default 0); on a host without GPUs the same pool runs on the CPU backend', '0')
    .option('--task-queue <name>', 'task queue to poll (default: assay-cpu / assay-accelerator behind this checkout\'s prefix, or ASSAY_TASK_QUEUE_PREFIX)')
    .action(async (flags: { pool: string; devices: string; taskQueue?: string }) => {
      if (flags.pool !== 'cpu' && flags.pool !== 'gpu') throw new Error(`--pool ${flags.pool}: use cpu or gpu`);
      const children = flags.pool === 'cpu'
        ? [spawnWorker('cpu', flags.taskQueue ?? defaultQueue('cpu'))]
        : parseDevices(flags.devices).map((d) => spawnWorker('accelerator', flags.taskQueue ?? defaultQueue('accelerator'), d));
      // Graceful shutdown: forward the signal; each worker finishes its current activity.
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => children.forEach((c) => c.kill(signal)));
      const codes = await Promise.all(children.map((c) => new Promise<number>((resolve) => c.on('exit', (code) => resolve(code ?? 1)))));
      if (codes.some((c) => c !== 0)) process.exitCode = 1;
    });
}
