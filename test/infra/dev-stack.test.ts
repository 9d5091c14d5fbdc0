import net from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { devUp, devStatus } from '../../infra/dev/stack';
import { envFilePath, parseEnvFile } from '../../infra/dev/env-file';
import { repoRoot } from '../../infra/dev/paths';
import { spawnDetached, stopProcess } from '../../infra/dev/processes';

function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('assay dev stack', () => {
  it('is up and healthy for the test run, with the env file at mode 600', async () => {
    const status = await devStatus();
    expect(status.services.map((s) => [s.name, s.healthy])).toEqual([['temporal', true], ['minio', true], ['postgres', true]]);
    expect(statSync(envFilePath()).mode & 0o777).toBe(0o600);
    const env = parseEnvFile(readFileSync(envFilePath(), 'utf8'), envFilePath());
    expect(env.ASSAY_DATABASE_URL).toMatch(/^postgres:\/\/assay:.+@127\.0\.0\.1:\d+\/assay$/);
    const ui = await fetch(status.temporalUi);
    expect(ui.status).toBe(200);
  });

  it('the application connects as a role that is not a superuser, owns its database and may create throwaway ones', async () => {
    const env = parseEnvFile(readFileSync(envFilePath(), 'utf8'), envFilePath());
    const sql = postgres(env.ASSAY_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const [role] = await sql`select rolsuper, rolcreatedb from pg_roles where rolname = current_user`;
      expect(role).toEqual({ rolsuper: false, rolcreatedb: true });
      const [owner] = await sql`select pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()`;
      expect(owner!.owner).toBe('assay');
      // what only a superuser may do: read a server file
      await expect(sql`select pg_read_file('postgresql.conf')`).rejects.toThrow(/permission denied/);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('re-running up reuses the running servers instead of starting new ones', async () => {
    const result = await devUp();
    expect(result.started).toEqual([]);
  });

  it('an occupied port is reported with the port, the server and the variable that moves it', async () => {
    const held = await holdPort();
    const home = mkdtempSync(path.join(tmpdir(), 'assay-port-'));
    const env = {
      ...process.env,
      ASSAY_HOME: path.relative(repoRoot, home),
      ASSAY_DEV_TEMPORAL_PORT: String(held.port),
      ASSAY_DEV_TEMPORAL_UI_PORT: String(held.port),
      ASSAY_DEV_MINIO_PORT: String(held.port),
      ASSAY_DEV_MINIO_CONSOLE_PORT: String(held.port),
      ASSAY_DEV_POSTGRES_PORT: String(held.port),
    };
    try {
      const error = await devUp({ env }).then(() => undefined, (e: Error) => e);
      expect(error?.message).toContain(`Port ${held.port} on 127.0.0.1`);
      expect(error?.message).toContain('ASSAY_DEV_TEMPORAL_UI_PORT');
      expect(error?.message).toContain('ASSAY_DEV_MINIO_PORT');
      expect(error?.message).toContain('ASSAY_DEV_POSTGRES_PORT');
      const status = await devStatus(env);
      expect(status.services.every((s) => !s.running)).toBe(true);
    } finally {
      await held.close();
    }
  });

  it('a malformed port variable names the variable and the allowed range', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'assay-badport-'));
    const env = { ...process.env, ASSAY_HOME: home, ASSAY_DEV_MINIO_PORT: '90000' };
    await expect(devUp({ env })).rejects.toThrow('ASSAY_DEV_MINIO_PORT="90000" is not a port number (1-65535)');
  });
});

describe('dev env file', () => {
  it('rejects a malformed line with its file and line number', () => {
    expect(() => parseEnvFile('A=1\nnot a setting\n', '/x/env')).toThrow('/x/env:2: expected KEY=VALUE');
  });
  it('reads quoted values back unchanged', () => {
    expect(parseEnvFile("ASSAY_S3_SECRET_KEY='a=b+c'\n", 'env')).toEqual({ ASSAY_S3_SECRET_KEY: 'a=b+c' });
  });
});

/** NAME=value pairs of a running process, as the kernel shows them to anyone who may read /proc. */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('dev stack server environment', () => {
  it('a started server gets none of the parent environment but what it needs, however much the parent holds', async () => {
    const planted = { ASSAY_S3_SECRET_KEY: 'planted-secret', ASSAY_DATABASE_URL: 'postgres://u:planted@127.0.0.1:1/x', AWS_SECRET_ACCESS_KEY: 'planted' };
    Object.assign(process.env, planted);
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'assay-environ-')), 'sleep.log');
    const proc = spawnDetached('/bin/sleep', ['30'], { log, env: { OWN_SETTING: 'x' } });
    try {
      const environ = environOf(proc.pid);
      expect(Object.keys(environ).sort()).toEqual(['OWN_SETTING', ...['HOME', 'LANG', 'LC_ALL', 'PATH', 'TZ', 'TMPDIR'].filter((n) => process.env[n] !== undefined)].sort());
    } finally {
      for (const name of Object.keys(planted)) delete process.env[name];
      await stopProcess(proc, 2000);
    }
  });

  it('the running Postgres, Temporal and MinIO carry no application secret; MinIO only its own root credentials', async () => {
    const status = await devStatus();
    const secrets = Object.values(status.env).filter((v) => v.length >= 12 && !v.startsWith('http') && !/^127\.0\.0\.1:/.test(v));
    for (const service of status.services) {
      expect(service.pid, service.name).toBeDefined();
      const environ = environOf(service.pid!);
      console.log(`${service.name} (pid ${service.pid}) environ: ${Object.entries(environ).map(([k, v]) => (k.startsWith('MINIO_ROOT_PASSWORD') ? `${k}=<${v.length} chars>` : `${k}=${v}`)).join(' ')}`);
      expect(Object.keys(environ).filter((k) => k.startsWith('ASSAY_')), service.name).toEqual([]);
      const allowed = service.name === 'minio' ? ['MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD', 'MINIO_BROWSER'] : [];
      expect(Object.keys(environ).filter((k) => !['HOME', 'LANG', 'LC_ALL', 'PATH', 'TZ', 'TMPDIR', ...allowed].includes(k)), service.name).toEqual([]);
      const leaked = secrets.filter((secret) => Object.entries(environ).some(([k, v]) => !allowed.includes(k) && v.includes(secret)));
      expect(leaked, service.name).toEqual([]);
    }
  });
});
