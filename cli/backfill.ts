// `assay backfill <spec> --from D --to D` (or --partitions a,b,c): one child pipeline per
// partition with bounded concurrency. Per partition it says what it did and why: a completed run
// of the same spec and code is reused, a changed spec or code runs again, a run in flight is awaited.
import type { Command } from 'commander';
import { withClient, printJson, formatTable } from './context';
import { loadSpecForCli } from './run';
import { slug } from '../shared/pipeline/spec';
import { describeOutcome } from '../shared/pipeline/partition-outcome';

/**
 * The partitions of `--partitions a,b,c`, each held to the rule `-p` and the spec apply: a
 * partition becomes part of workflow ids and artifact keys, so a bad one must fail here, not
 * as an opaque child-workflow failure.
 */
export function parsePartitionList(list: string): string[] {
  const partitions = list.split(',').map((p) => p.trim()).filter(Boolean);
  if (partitions.length === 0) throw new Error(`--partitions ${JSON.stringify(list)}: expected comma-separated partition names`);
  const problems = partitions.flatMap((p) => {
    const parsed = slug.safeParse(p);
    return parsed.success ? [] : [`${JSON.stringify(p)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`];
  });
  const repeated = partitions.filter((p, i) => partitions.indexOf(p) !== i);
  if (repeated.length > 0) problems.push(`${[...new Set(repeated)].map((p) => JSON.stringify(p)).join(', ')}: listed more than once`);
  if (problems.length > 0) throw new Error(`--partitions: invalid partition name${problems.length > 1 ? 's' : ''}:\n  ${problems.join('\n  ')}`);
  return partitions;
}

/** Every calendar day from `from` to `to` inclusive, as YYYY-MM-DD. */
export function daysBetween(from: string, to: string): string[] {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || Number.isNaN(Date.parse(from))) throw new Error(`--from ${from}: expected a date YYYY-MM-DD`);
  if (!day.test(to) || Number.isNaN(Date.parse(to))) throw new Error(`--to ${to}: expected a date YYYY-MM-DD`);
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new Error(`--to ${to} is before --from ${from}`);
  const days: string[] = [];
  for (let t = start; t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  if (days.length > 3660) throw new Error(`${days.length} partitions is more than ten years of days; split the backfill`);
  return days;
}

export function registerBackfill(program: Command): void {
  program.command('backfill')
    .description('run a pipeline spec over many partitions (a date range or a list), with bounded concurrency')
    .argument('<spec>', 'pipeline spec JSON file')
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day (YYYY-MM-DD)')
    .option('--partitions <list>', 'comma-separated partition names instead of a date range')
    .option('-c, --concurrency <n>', 'pipelines running at once', '2')
    .option('--retries <n>', 'extra attempts for a failed partition', '1')
    .option('--no-cache', 'ignore the step cache')
    .option('--workers', 'also run workers in this process')
    .option('--json', 'print the outcome as JSON')
    .action(async (file: string, flags: { from?: string; to?: string; partitions?: string; concurrency: string; retries: string; cache: boolean; workers?: boolean; json?: boolean }) => {
      const partitions = flags.partitions !== undefined ? parsePartitionList(flags.partitions) : flags.from && flags.to ? daysBetween(flags.from, flags.to) : undefined;
      if (!partitions || partitions.length === 0) throw new Error('give --from and --to (dates) or --partitions a,b,c');
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency ${flags.concurrency}: expected a positive integer`);
      const spec = loadSpecForCli(file, {});
      const workers = flags.workers ? await (await import('./local-workers')).startLocalWorkers(spec) : undefined;
      try {
        await withClient(async (client) => {
          const { handle, result } = await client.backfill(spec, partitions, concurrency, { noCache: !flags.cache, retries: Number(flags.retries) });
          if (!flags.json) console.error(`backfill ${handle.workflowId}: ${partitions.length} partitions — Temporal UI: ${client.uiLink(handle.workflowId)}`);
          const outcome = await result;
          if (flags.json) return printJson(outcome);
          console.log(formatTable(['partition', 'outcome', 'run'], partitions.map((p) => {
            const o = outcome.outcomes[p];
            return [p, o ? describeOutcome(o) : 'not reached', o?.run ?? ''];
          })));
          if (partitions.some((p) => outcome.outcomes[p]?.result !== 'completed')) process.exitCode = 1;
        });
      } finally {
        await workers?.stop();
      }
    });
}
