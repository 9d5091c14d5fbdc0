// `assay dev up | down | status`: the local stack of real servers.
import type { Command } from 'commander';
import { devDown, devStatus, devUp, type StackStatus } from '../infra/dev/stack';
import { envFilePath } from '../infra/dev/env-file';

function printStatus(status: StackStatus, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...status, env: undefined }, null, 2));
    return;
  }
  for (const s of status.services) {
    const mark = s.healthy ? 'up  ' : s.running ? 'sick' : 'down';
    console.log(`  ${mark}  ${s.name.padEnd(9)} ${s.address}${s.pid ? `  (pid ${s.pid})` : ''}`);
  }
  console.log(`  Temporal UI:   ${status.temporalUi}`);
  console.log(`  MinIO console: ${status.minioConsole}`);
  console.log(`  settings:      ${envFilePath()} (mode 600; \`set -a; . ${envFilePath()}\` to use them in a shell)`);
}

export function registerDev(program: Command): void {
  const dev = program.command('dev').description('start, stop and inspect the local stack (Temporal dev server, MinIO, PostgreSQL) on 127.0.0.1');
  dev.command('up')
    .description('start the stack (safe to re-run: running servers are reused); ports via ASSAY_DEV_*_PORT')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await devUp({ log: opts.json ? undefined : (line) => console.log(`dev up: ${line}`) });
      printStatus(status, Boolean(opts.json));
    });
  dev.command('down')
    .description('stop the servers that `assay dev up` started (nothing else)')
    .action(async () => {
      const stopped = await devDown();
      console.log(stopped.length ? `dev down: stopped ${stopped.join(', ')}` : 'dev down: nothing was running');
    });
  dev.command('status')
    .description('show addresses, health and the Temporal UI URL')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => printStatus(await devStatus(), Boolean(opts.json)));
}
