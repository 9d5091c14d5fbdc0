// The `assay` command line. Each command group lives in its own module under cli/.
import { Command, CommanderError } from 'commander';
import { loadDevEnv } from '../infra/dev/env-file';
import { registerBackfill } from './backfill';
import { registerDemo } from './demo';
import { registerDev } from './dev';
import { registerLineage } from './lineage';
import { registerReport } from './report';
import { registerRun } from './run';
import { registerRuns } from './runs';
import { registerSchedule } from './schedule';
import { registerSpec } from './spec';
import { registerValidate } from './validate';
import { registerWorker } from './worker';

export function buildProgram(): Command {
  const program = new Command('assay')
    .description('Value-aware training pipelines for e-commerce search and recommendation, as durable Temporal workflows.')
    .showHelpAfterError('(run with --help for usage)');
  registerDemo(program);
  registerRun(program);
  registerSpec(program);
  registerValidate(program);
  registerRuns(program);
  registerBackfill(program);
  registerSchedule(program);
  registerLineage(program);
  registerReport(program);
  registerWorker(program);
  registerDev(program);
  return program;
}

async function run(): Promise<void> {
  loadDevEnv();
  await buildProgram().parseAsync(process.argv);
  // Native runtimes (Temporal core, ONNX Runtime) keep handles open; a finished command should
  // not wait on them. Commands close what they opened themselves.
  process.exit(process.exitCode ?? 0);
}

run().catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`assay: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.ASSAY_DEBUG) console.error(err);
  process.exit(1);
});
