// `assay demo` (what `npm run main` runs): bring the dev stack up, run the full pipeline on
// the shipped MovieLens data with in-process workers, print the metrics and the UI address.
import path from 'node:path';
import type { Command } from 'commander';
import { devUp } from '../infra/dev/stack';
import { loadDevEnv } from '../infra/dev/env-file';
import { repoRoot } from '../infra/dev/paths';
import type { PipelineResult } from '../workflows/pipeline';
import { withClient } from './context';
import { watchRun } from './progress';
import { loadSpecForCli, metricsTable } from './run';
import { codeDrift } from './code-drift';
import { explainRunError, onInterrupt } from './follow';

export function registerDemo(program: Command): void {
  program.command('demo')
    .description('start the dev stack and run the full pipeline on the shipped data (specs/ml-100k.json) with in-process workers; Ctrl-C cancels the run')
    .option('--spec <file>', 'another spec to run', path.join(repoRoot, 'specs', 'ml-100k.json'))
    .option('--no-cache', 'ignore the step cache')
    .action(async (flags: { spec: string; cache: boolean }) => {
      const status = await devUp({ log: (line) => console.error(`dev up: ${line}`) });
      for (const [k, v] of Object.entries(status.env)) process.env[k] ??= v;
      loadDevEnv();
      const spec = loadSpecForCli(flags.spec, {});
      const workers = await (await import('./local-workers')).startLocalWorkers(spec);
      try {
        await withClient(async (client) => {
          const handle = await client.startRun(spec, { noCache: !flags.cache });
          const link = client.uiLink(handle.workflowId);
          console.error(`running ${handle.workflowId} on ${spec.dataset} — watch it in the Temporal UI: ${link}`);
          // Its workers run in this process, so Ctrl-C cancels the run, as with `assay run --workers`.
          let cancelling = false;
          const off = onInterrupt(handle.workflowId, 'cancel', async () => {
            cancelling = true;
            await handle.cancel();
            await handle.result().catch(() => undefined);
            await workers.stop();
          });
          let result: PipelineResult;
          try {
            await watchRun(handle);
            result = (await handle.result().catch(async (err: unknown) => {
              if (cancelling) await new Promise(() => undefined);
              throw explainRunError(err, handle.workflowId);
            })) as PipelineResult;
          } finally {
            off();
          }
          console.log(`\nAssay run ${handle.workflowId} — full-ranking metrics on the held-out test split\n`);
          console.log(metricsTable(result));
          console.log(`\nsteps: ${result.steps.map((s) => `${s.step}${s.variant ? `(${s.variant})` : ''} ${(s.durationMs / 1000).toFixed(1)}s${s.cacheHit ? ' [cache]' : ''}`).join(' · ')}`);
          for (const line of codeDrift(spec.codeVersion, result.steps)) console.log(line);
          if (result.report) console.log(`report artifact: ${result.report.uri} — write it out with \`npx assay report ${handle.workflowId}\``);
          console.log(`Temporal UI: ${status.temporalUi}  (this run: ${link})`);
        });
      } finally {
        await workers.stop();
      }
    });
}
