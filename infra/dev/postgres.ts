// A PostgreSQL cluster of the dev stack's own, on a free port, password-authenticated.
// Postgres refuses to run as root, so as root the cluster is owned and run by the system
// user `postgres` that Debian's package creates.
// The application's role is not a superuser: the cluster's bootstrap superuser is
// `<user>_admin`, which only creates the application role (LOGIN, CREATEDB for the tests'
// throwaway databases) and its database, owned by it — so a leaked application password
// cannot read server files or run programs (docs/decisions/0003-local-stack-security.md).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { postgresBin } from './paths';
import { serverEnvironment } from './server-env';
import { spawnDetached, waitUntil, isOurProcess, type StartedProcess } from './processes';

export interface PostgresSettings { port: number; user: string; password: string; database: string }

/** The cluster's bootstrap superuser; the application never connects as it. */
export const adminRole = (s: PostgresSettings): string => `${s.user}_admin`;

function runAs(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new Error('Running as root, but there is no `postgres` system user to run PostgreSQL as. Install postgresql with `bash infra/setup.sh`, or run Assay as a normal user.');
  }
  return { uid, gid: id('-g') };
}

function ownTree(dir: string, ids: { uid?: number; gid?: number }): void {
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(dir, ids.uid, ids.gid);
}

export function initCluster(state: string, s: PostgresSettings): void {
  const root = path.join(state, 'postgres');
  const data = path.join(root, 'data');
  if (existsSync(path.join(data, 'PG_VERSION'))) return;
  const ids = runAs();
  mkdirSync(root, { recursive: true });
  // The server runs as `postgres`, which must be able to pass through the state folder.
  if (ids.uid !== undefined) chmodSync(state, statSync(state).mode | 0o011);
  ownTree(root, ids);
  const pwfile = path.join(root, 'pwfile');
  writeFileSync(pwfile, s.password + '\n', { mode: 0o600 });
  ownTree(pwfile, ids);
  const result = spawnSync(path.join(postgresBin(), 'initdb'), ['-D', data, '-U', adminRole(s), `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-instructions'], { ...ids, env: serverEnvironment(process.env), encoding: 'utf8' });
  rmSync(pwfile);
  if (result.status !== 0) throw new Error(`initdb failed for ${data}:\n${result.stderr || result.stdout}\nRemove ${root} and run \`assay dev up\` again.`);
}

export function startPostgres(state: string, s: PostgresSettings): StartedProcess {
  const root = path.join(state, 'postgres');
  const ids = runAs();
  const log = path.join(state, 'logs', 'postgres.log');
  writeFileSync(log, '', { flag: 'a' });
  ownTree(log, ids);
  return spawnDetached(path.join(postgresBin(), 'postgres'), [
    '-D', path.join(root, 'data'),
    '-p', String(s.port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${root}`,
  ], { log, ...ids });
}

export function databaseUrl(s: PostgresSettings, database = s.database, user = s.user): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${database}`;
}

async function query(url: string, run: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try { await run(sql); } finally { await sql.end({ timeout: 1 }); }
}

export async function waitForPostgres(proc: StartedProcess, s: PostgresSettings, timeoutMs: number): Promise<void> {
  await waitUntil(() => query(databaseUrl(s, 'postgres'), (sql) => sql`select 1`).then(() => true).catch(() => query(databaseUrl(s, 'postgres', adminRole(s)), (sql) => sql`select 1`).then(() => true)), 'PostgreSQL', timeoutMs, proc.log, () => isOurProcess(proc));
  // A cluster made before the admin role existed has the application role as its superuser: leave it as it is.
  const admin = await query(databaseUrl(s, 'postgres', adminRole(s)), (sql) => sql`select 1`).then(() => true, () => false);
  await query(databaseUrl(s, 'postgres', admin ? adminRole(s) : s.user), async (sql) => {
    if (admin) {
      const roles = await sql`select 1 from pg_roles where rolname = ${s.user}`;
      if (roles.length === 0) await sql.unsafe(`create role "${s.user}" login nosuperuser createdb nocreaterole password '${s.password.replaceAll("'", "''")}'`);
    }
    const rows = await sql`select 1 from pg_database where datname = ${s.database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${s.database}" owner "${s.user}"`);
  });
}

export async function postgresHealthy(s: PostgresSettings): Promise<boolean> {
  await query(databaseUrl(s), (sql) => sql`select 1`);
  return true;
}
