// `assay schedule create|list|pause|unpause|trigger|delete|backfill`: Temporal Schedules that
// run a spec daily; each run's partition is the day of its nominal start time.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Command } from 'commander';
import { withClient, printJson, formatTable } from './context';
import { loadSpecForCli } from './run';

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('recurring partitions with Temporal Schedules');
  schedule.command('create')
    .description('create a schedule that runs <spec> on a cron (default daily at 02:00 UTC)')
    .argument('<id>', 'schedule id, e.g. ml-100k-daily')
    .argument('<spec>', 'pipeline spec JSON file')
    .option('--cron <expr>', 'cron expression', '0 2 * * *')
    .action(async (id: string, file: string, flags: { cron: string }) => withClient(async (client) => {
      await client.createSchedule(id, loadSpecForCli(file, {}), flags.cron);
      console.log(`schedule ${id} created (${flags.cron})`);
    }));
  schedule.command('list').description('list schedules').option('--json', 'print as JSON').action(async (flags: { json?: boolean }) => withClient(async (client) => {
    const rows: Array<{ id: string; paused: boolean; next?: string }> = [];
    for await (const s of client.client.schedule.list()) rows.push({ id: s.scheduleId, paused: s.state.paused, next: s.info.nextActionTimes[0]?.toISOString() });
    if (flags.json) return printJson(rows);
    console.log(rows.length ? formatTable(['schedule', 'paused', 'next run'], rows.map((r) => [r.id, String(r.paused), r.next])) : 'no schedules');
  }));
  for (const [verb, what] of [['pause', 'pause a schedule'], ['unpause', 'resume a paused schedule'], ['trigger', 'start a run now'], ['delete', 'delete a schedule']] as const) {
    schedule.command(verb).description(what).argument('<id>', 'schedule id').action(async (id: string) => withClient(async (client) => {
      const handle = client.client.schedule.getHandle(id);
      if (verb === 'pause') await handle.pause();
      else if (verb === 'unpause') await handle.unpause();
      else if (verb === 'trigger') await handle.trigger();
      else await handle.delete();
      console.log(`schedule ${id}: ${verb} done`);
    }));
  }
  schedule.command('backfill')
    .description('run the schedule for every day in a past range (one partition per day)')
    .argument('<id>', 'schedule id')
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)')
    .action(async (id: string, flags: { from: string; to: string }) => withClient(async (client) => {
      const start = new Date(`${flags.from}T00:00:00Z`);
      const end = new Date(`${flags.to}T23:59:59Z`);
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) throw new Error(`--from ${flags.from} --to ${flags.to}: expected two dates YYYY-MM-DD, in order`);
      await client.client.schedule.getHandle(id).backfill({ start, end, overlap: ScheduleOverlapPolicy.ALLOW_ALL });
      console.log(`schedule ${id}: backfill ${flags.from}..${flags.to} requested`);
    }));
}
