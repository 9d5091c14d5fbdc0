// `assay status | watch | list | cancel`: find, follow and control runs through Temporal.
import type { Command } from 'commander';
import { followRun } from './run';
import type { RunProgress } from '../shared/pipeline/contract';
import { withClient, printJson, formatTable } from './context';

export function registerRuns(program: Command): void {
  program.command('status')
    .description('show a run: workflow status, current step and progress, UI link')
    .argument('<run>', 'workflow id, e.g. assay/ml-100k/full')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: { json?: boolean }) => withClient(async (client) => {
      const handle = client.client.workflow.getHandle(id);
      const d = await handle.describe();
      const progress = d.status.name === 'RUNNING' ? await handle.query<RunProgress>('progress').catch(() => undefined) : undefined;
      const out = { workflowId: id, runId: d.runId, status: d.status.name, started: d.startTime, closed: d.closeTime, progress, ui: client.uiLink(id, d.runId) };
      if (flags.json) return printJson(out);
      console.log(`${id}  ${out.status}  started ${d.startTime.toISOString()}${d.closeTime ? `  closed ${d.closeTime.toISOString()}` : ''}`);
      if (progress) console.log(`  step: ${progress.step}  done: ${progress.completed.join(', ') || '—'}  cache hits: ${progress.cacheHits.join(', ') || '—'}`);
      console.log(`  Temporal UI: ${out.ui}`);
    }));

  program.command('watch')
    .description('attach to a run: live progress until it ends, then its metrics or the failing step and root cause; Ctrl-C detaches, the run goes on')
    .argument('<run>', 'workflow id, e.g. assay/ml-100k/full')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, flags: { json?: boolean }) => withClient(async (client) => {
      await followRun(client, client.client.workflow.getHandle(id), { json: flags.json, interrupt: 'detach' });
    }));

  program.command('list')
    .description('list recent Assay runs (optionally of one dataset)')
    .option('-d, --dataset <name>', 'only runs of this dataset')
    .option('-n, --limit <n>', 'at most this many', '20')
    .option('--json', 'print as JSON')
    .action(async (flags: { dataset?: string; limit: string; json?: boolean }) => withClient(async (client) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit ${flags.limit}: expected a positive integer`);
      const query = `WorkflowType = 'pipeline'${flags.dataset ? ` AND AssayDataset = '${flags.dataset.replaceAll("'", '')}'` : ''}`;
      const rows: Array<{ workflowId: string; status: string; start: string; partition?: string }> = [];
      for await (const w of client.client.workflow.list({ query })) {
        rows.push({ workflowId: w.workflowId, status: w.status.name, start: w.startTime.toISOString(), partition: String(w.searchAttributes?.AssayPartition ?? '') });
        if (rows.length >= limit) break;
      }
      if (flags.json) return printJson(rows);
      console.log(rows.length ? formatTable(['workflow id', 'status', 'started'], rows.map((r) => [r.workflowId, r.status, r.start])) : 'no runs yet — start one with `assay run <spec>`');
    }));

  program.command('cancel')
    .description('cancel a running pipeline: the running step stops at its next heartbeat, lineage marks it cancelled')
    .argument('<run>', 'workflow id')
    .action(async (id: string) => withClient(async (client) => {
      await client.client.workflow.getHandle(id).cancel();
      console.log(`cancellation requested for ${id}`);
    }));
}
