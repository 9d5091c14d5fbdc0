// Opens the lineage database and brings its schema up to date: a real Postgres server when
// ASSAY_DATABASE_URL is set, otherwise embedded PGlite under <ASSAY_HOME>/pglite (zero-setup mode).
// Both drivers are handed out as drizzle's PgDatabase base type, so the repository code is
// written once against the query builder and runs on either.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Services } from '../config/services';
import { lineageSchema } from './schema';

export type LineageSchema = typeof lineageSchema;
/** The one db type both drivers satisfy; write queries against this. */
export type Database = PgDatabase<PgQueryResultHKT, LineageSchema>;

export interface OpenedDatabase {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** where the data lives: the server URL with its password masked, or the PGlite folder */
  location: string;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');
/** Serializes migrations when several workers open the same server at once. */
const MIGRATION_LOCK_KEY = 741_230_511;

export async function openDatabase(services: Pick<Services, 'ASSAY_DATABASE_URL' | 'ASSAY_HOME'>): Promise<OpenedDatabase> {
  if (services.ASSAY_DATABASE_URL) return openPostgres(services.ASSAY_DATABASE_URL);
  return openPglite(path.resolve(services.ASSAY_HOME, 'pglite'));
}

async function openPostgres(url: string): Promise<OpenedDatabase> {
  const shown = maskPassword(url);
  // Migrate on a single dedicated connection: the advisory lock is per session, and the pool
  // below must not see half-created tables.
  const migrator = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres(migrator), { migrationsFolder: MIGRATIONS_FOLDER });
    await migrator`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } catch (err) {
    throw explainPostgresFailure(err, shown);
  } finally {
    await migrator.end({ timeout: 5 });
  }
  const client = postgres(url, { max: 5, connect_timeout: 10, onnotice: () => {} });
  const db: Database = drizzlePostgres(client, { schema: lineageSchema });
  return { db, kind: 'postgres', location: shown, close: () => client.end({ timeout: 5 }) };
}

async function openPglite(dataDir: string): Promise<OpenedDatabase> {
  let client: PGlite;
  try {
    mkdirSync(dataDir, { recursive: true });
    client = await PGlite.create(dataDir);
  } catch (err) {
    throw new Error(
      `Cannot open the embedded PGlite database at ${dataDir}: ${messageOf(err)}\n` +
        'Fix: make sure the folder is writable and no other Assay process has it open, ' +
        'or set ASSAY_DATABASE_URL to use a Postgres server instead.',
      { cause: err },
    );
  }
  const db = drizzlePglite(client, { schema: lineageSchema });
  try {
    await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (err) {
    await client.close();
    throw new Error(`Migrating the embedded PGlite database at ${dataDir} failed: ${messageOf(err)}`, { cause: err });
  }
  return { db, kind: 'pglite', location: dataDir, close: () => client.close() };
}

/** postgres://user:secret@host/db → postgres://user:***@host/db, for messages and logs. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

function explainPostgresFailure(err: unknown, shownUrl: string): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const fixes: Record<string, string> = {
    ECONNREFUSED: 'nothing is listening there: start the server (`assay dev up`) or correct the host/port in ASSAY_DATABASE_URL',
    ENOTFOUND: 'the host name does not resolve: correct the host in ASSAY_DATABASE_URL',
    CONNECT_TIMEOUT: 'the server did not answer within 10 s: check that it is running and reachable from this machine',
    '28P01': 'the password was rejected: correct the credentials in ASSAY_DATABASE_URL',
    '28000': 'the server refused this user: check the user name in ASSAY_DATABASE_URL and the server\'s pg_hba.conf',
    '3D000': 'the database does not exist: create it (`createdb <name>`) or correct the database name in ASSAY_DATABASE_URL',
  };
  const fix =
    (typeof code === 'string' ? fixes[code] : undefined) ??
    'check the server log; if the schema is damaged, restore it or point ASSAY_DATABASE_URL at an empty database';
  return new Error(
    `Cannot open the lineage database at ${shownUrl} (ASSAY_DATABASE_URL): ${messageOf(err)}\n` +
      `Fix: ${fix}. Unset ASSAY_DATABASE_URL to use the embedded PGlite database under ASSAY_HOME instead.`,
    { cause: err },
  );
}

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}
