import { readFileSync } from 'node:fs';
import path from 'node:path';
import { count, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertRun } from '../../../shared/db/lineage';
import { MIGRATIONS_FOLDER, openDatabase, type Database } from '../../../shared/db/open-database';
import { runs } from '../../../shared/db/schema';
import { freshDatabase, type DriverKind, type FreshDatabase } from './fresh-databases';

const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
const TABLES = ['artifacts', 'edges', 'metrics', 'runs', 'steps', 'value_summaries'];

async function appliedMigrations(db: Database): Promise<number> {
  const rows = await db
    .select({ n: count() })
    .from(sql`drizzle.__drizzle_migrations`);
  return rows[0]!.n;
}

async function lineageTables(db: Database): Promise<string[]> {
  const rows = await db
    .select({ name: sql<string>`table_name` })
    .from(sql`information_schema.tables`)
    .where(sql`table_schema = 'public'`)
    .orderBy(sql`table_name`);
  return rows.map((r) => r.name);
}

describe.each<DriverKind>(['pglite', 'postgres'])('migrations on %s', (kind) => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(kind, `migrations_${kind}`);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it('creates every lineage table on first open and reopening applies nothing again, keeping the data', async () => {
    const first = await openDatabase(fresh.services);
    expect(first.kind).toBe(kind);
    expect(await lineageTables(first.db)).toEqual(TABLES);
    expect(await appliedMigrations(first.db)).toBe(journal.entries.length);
    await upsertRun(first.db, { id: 'wf/run-1', dataset: 'retail', partition: '2024-01-01', spec: {}, codeVersion: 'c1' });
    await first.close();

    const second = await openDatabase(fresh.services);
    expect(await appliedMigrations(second.db)).toBe(journal.entries.length);
    const [{ n }] = (await second.db.select({ n: count() }).from(runs)) as [{ n: number }];
    expect(n).toBe(1);
    await second.close();
  });

  if (kind === 'postgres') {
    it('lets several processes open an empty database at once (migrations are serialized)', async () => {
      const other = await freshDatabase('postgres', 'migrations_race');
      try {
        const opened = await Promise.all([openDatabase(other.services), openDatabase(other.services), openDatabase(other.services)]);
        expect(await appliedMigrations(opened[0]!.db)).toBe(journal.entries.length);
        await Promise.all(opened.map((o) => o.close()));
      } finally {
        await other.drop();
      }
    });
  }
});

describe('openDatabase errors', () => {
  it('names the unreachable server with its password masked and says what to do', async () => {
    // port 1 is privileged and never a Postgres server, so the connection is refused at once
    const url = 'postgres://assay:s3cret-pass@127.0.0.1:1/assay';
    const failure = openDatabase({ ASSAY_DATABASE_URL: url, ASSAY_HOME: '.assay' });
    await expect(failure).rejects.toThrow('postgres://assay:***@127.0.0.1:1/assay');
    await expect(failure).rejects.toThrow(/Fix: nothing is listening there/);
    await expect(failure).rejects.not.toThrow('s3cret-pass');
  });

  it('names the server and the fix when it refuses the credentials', async () => {
    const fresh = await freshDatabase('postgres', 'credentials');
    try {
      const url = new URL(fresh.services.ASSAY_DATABASE_URL!);
      url.username = 'assay_no_such_role';
      url.password = 'wrong-password';
      const failure = openDatabase({ ASSAY_DATABASE_URL: url.toString(), ASSAY_HOME: fresh.services.ASSAY_HOME });
      await expect(failure).rejects.toThrow(`assay_no_such_role:***@${url.host}`);
      await expect(failure).rejects.toThrow(/Fix: the (password was rejected|server refused this user)/);
      await expect(failure).rejects.not.toThrow('wrong-password');
    } finally {
      await fresh.drop();
    }
  });
});
