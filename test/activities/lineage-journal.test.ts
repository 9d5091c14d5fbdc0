// Lineage writes that outlast a database outage: queued in order, retried while the database
// is unreachable, applied once it answers, and given up (reported by flush) only for a real
// error or an outage longer than the budget.
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, LineageJournal } from '../../activities/lineage-journal';
import type { Database } from '../../shared/db/open-database';
import { findFreePort } from '../../infra/dev/ports';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** A fake clock: sleeping advances it, so the budget is the real mechanism without real waiting. */
function journal(budgetMs: number, unavailableFor: { calls: number }) {
  let clock = 0;
  const applied: string[] = [];
  const db = {} as Database;
  const j = new LineageJournal({
    open: async () => {
      if (unavailableFor.calls > 0) { unavailableFor.calls--; throw refused(); }
      return db;
    },
    initialIntervalMs: 1000, maximumIntervalMs: 4000, budgetMs,
    sleep: async (ms) => { clock += ms; },
    now: () => clock,
  });
  return { j, applied, elapsed: () => clock };
}

describe('lineage journal', () => {
  it('applies queued writes in order once the database is back, each exactly once', async () => {
    const { j, applied, elapsed } = journal(60_000, { calls: 5 });
    const stepId = j.value('start attempt', async () => { applied.push('start'); return 42; });
    j.enqueue('epoch 1', async () => { applied.push(`epoch 1 of ${await stepId}`); });
    j.enqueue('finish', async () => { applied.push(`finish ${await stepId}`); });
    expect(j.queued).toBe(3);
    await j.flush();
    expect(applied).toEqual(['start', 'epoch 1 of 42', 'finish 42']);
    expect(j.queued).toBe(0);
    // backoff 1 + 2 + 4 + 4 + 4 s (capped at the maximum interval)
    expect(elapsed()).toBe(15_000);
  });

  it('gives up a write whose outage outlasts the budget, and flush says which write', async () => {
    const { j, applied } = journal(5_000, { calls: 100 });
    j.enqueue('finish pretrain#1', async () => { applied.push('finish'); });
    await expect(j.flush()).rejects.toThrow(/lineage write "finish pretrain#1" failed: connect ECONNREFUSED/);
    expect(applied).toEqual([]);
  });

  it('does not retry a write that fails for another reason, and later writes still run', async () => {
    const { j, applied } = journal(60_000, { calls: 0 });
    let tries = 0;
    j.enqueue('bad metric', async () => { tries++; throw new Error('value violates not-null constraint'); });
    j.enqueue('next', async () => { applied.push('next'); });
    await expect(j.flush()).rejects.toThrow(/bad metric.*not-null/);
    expect(tries).toBe(1);
    expect(applied).toEqual(['next']);
  });

  it('recognises a refused connection through drizzle and postgres.js as the database being unavailable', async () => {
    const port = await findFreePort(47_000);
    const client = postgres(`postgres://nobody:none@127.0.0.1:${port}/none`, { max: 1, connect_timeout: 2, onnotice: () => {} });
    const err = await drizzle(client).execute(sql`select 1`).then(() => undefined, (e: unknown) => e);
    await client.end({ timeout: 1 });
    expect(err).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isDatabaseUnavailable(new Error('duplicate key value violates unique constraint'))).toBe(false);
  });
});
