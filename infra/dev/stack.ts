// `assay dev up | down | status`: the three real servers Assay needs, on 127.0.0.1, each in
// its own folder under the state directory. Settings chosen on the first `up` (ports,
// generated credentials) are kept in stack.json, so re-running `up` is safe and reuses them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeEnvFile } from './env-file';
import { stateDir } from './paths';
import { assertPortFree, findFreePort } from './ports';
import { isOurProcess, stopProcess, type StartedProcess } from './processes';
import { startTemporal, temporalHealthy, waitForTemporal } from './temporal';
import { minioHealthy, startMinio, waitForMinio } from './minio';
import { databaseUrl, initCluster, postgresHealthy, startPostgres, waitForPostgres } from './postgres';

const Proc = z.object({ pid: z.number().int(), binary: z.string(), log: z.string() });
const StackState = z.object({
  temporal: z.object({ port: z.number().int(), uiPort: z.number().int(), process: Proc.optional() }),
  minio: z.object({ port: z.number().int(), consolePort: z.number().int(), accessKey: z.string(), secretKey: z.string(), bucket: z.string(), process: Proc.optional() }),
  postgres: z.object({ port: z.number().int(), user: z.string(), password: z.string(), database: z.string(), process: Proc.optional() }),
});
type StackState = z.infer<typeof StackState>;
type ServiceName = keyof StackState;

export interface ServiceStatus { name: ServiceName; running: boolean; healthy: boolean; address: string; pid?: number }
export interface StackStatus { state: string; services: ServiceStatus[]; temporalUi: string; minioConsole: string; env: Record<string, string> }

const START_TIMEOUT_MS = 90_000;

function statePath(env: NodeJS.ProcessEnv): string {
  return path.join(stateDir(env), 'stack.json');
}

function readState(env: NodeJS.ProcessEnv): StackState | undefined {
  const file = statePath(env);
  if (!existsSync(file)) return undefined;
  const parsed = StackState.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a valid dev stack state (${parsed.error.issues[0]?.message}). Stop any servers it started and delete it, then run \`assay dev up\`.`);
  return parsed.data;
}

function writeState(state: StackState, env: NodeJS.ProcessEnv): void {
  writeFileSync(statePath(env), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${JSON.stringify(raw)} is not a port number (1-65535).`);
  return port;
}

async function initialState(env: NodeJS.ProcessEnv): Promise<StackState> {
  const secret = () => randomBytes(18).toString('base64url');
  return {
    temporal: { port: portFromEnv(env, 'ASSAY_DEV_TEMPORAL_PORT', 7233), uiPort: portFromEnv(env, 'ASSAY_DEV_TEMPORAL_UI_PORT', 8233) },
    minio: {
      port: portFromEnv(env, 'ASSAY_DEV_MINIO_PORT', 9000),
      consolePort: portFromEnv(env, 'ASSAY_DEV_MINIO_CONSOLE_PORT', 9001),
      accessKey: `assay-${randomBytes(4).toString('hex')}`,
      secretKey: secret(),
      bucket: 'assay-artifacts',
    },
    postgres: { port: portFromEnv(env, 'ASSAY_DEV_POSTGRES_PORT', await findFreePort(55432)), user: 'assay', password: secret(), database: 'assay' },
  };
}

function envOf(s: StackState): Record<string, string> {
  return {
    ASSAY_TEMPORAL_ADDRESS: `127.0.0.1:${s.temporal.port}`,
    ASSAY_TEMPORAL_NAMESPACE: 'default',
    ASSAY_TEMPORAL_UI: `http://127.0.0.1:${s.temporal.uiPort}`,
    ASSAY_S3_ENDPOINT: `http://127.0.0.1:${s.minio.port}`,
    ASSAY_S3_ACCESS_KEY: s.minio.accessKey,
    ASSAY_S3_SECRET_KEY: s.minio.secretKey,
    ASSAY_S3_BUCKET: s.minio.bucket,
    ASSAY_DATABASE_URL: databaseUrl(s.postgres),
  };
}

const alive = (p?: StartedProcess) => p !== undefined && isOurProcess(p);

async function healthy(name: ServiceName, s: StackState): Promise<boolean> {
  const checks: Record<ServiceName, () => Promise<boolean>> = {
    temporal: () => temporalHealthy(s.temporal.port),
    minio: () => minioHealthy(s.minio.port),
    postgres: () => postgresHealthy(s.postgres),
  };
  return checks[name]().catch(() => false);
}

export interface UpOptions { env?: NodeJS.ProcessEnv; log?: (line: string) => void }

/** Starts whatever is not already running and healthy; returns the status and the env to use. */
export async function devUp(opts: UpOptions = {}): Promise<StackStatus & { started: ServiceName[] }> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const state = stateDir(env);
  for (const dir of ['logs', 'temporal', 'minio/data']) mkdirSync(path.join(state, dir), { recursive: true });
  const s = readState(env) ?? (await initialState(env));
  const started: ServiceName[] = [];

  const ensure = async (name: ServiceName, port: number, portVar: string, start: () => StartedProcess, wait: (p: StartedProcess) => Promise<void>) => {
    const current = s[name].process;
    if (alive(current) && (await healthy(name, s))) {
      log(`${name}: already running (pid ${current!.pid})`);
      return;
    }
    if (alive(current)) await stopProcess(current!);
    await assertPortFree(port, name, portVar);
    const t0 = Date.now();
    const proc = start();
    s[name].process = proc;
    writeState(s, env);
    await wait(proc);
    started.push(name);
    log(`${name}: started on 127.0.0.1:${port} (pid ${proc.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };

  // Start all three at once; each waits for its own health check.
  const results = await Promise.allSettled([
    (async () => {
      await assertPortFree(s.temporal.uiPort, 'Temporal Web UI', 'ASSAY_DEV_TEMPORAL_UI_PORT').catch(async (e) => {
        if (!(alive(s.temporal.process) && (await healthy('temporal', s)))) throw e;
      });
      await ensure('temporal', s.temporal.port, 'ASSAY_DEV_TEMPORAL_PORT', () => startTemporal(state, s.temporal), (p) => waitForTemporal(p, s.temporal, START_TIMEOUT_MS));
    })(),
    ensure('minio', s.minio.port, 'ASSAY_DEV_MINIO_PORT', () => startMinio(state, s.minio), (p) => waitForMinio(p, s.minio, START_TIMEOUT_MS)),
    ensure('postgres', s.postgres.port, 'ASSAY_DEV_POSTGRES_PORT', () => { initCluster(state, s.postgres); return startPostgres(state, s.postgres); }, (p) => waitForPostgres(p, s.postgres, START_TIMEOUT_MS)),
  ]);
  writeState(s, env);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
  if (failures.length > 0) throw new Error(`assay dev up failed:\n- ${failures.join('\n- ')}`);
  writeEnvFile(envOf(s), env);
  return { ...(await devStatus(env)), started };
}

/**
 * How each service is asked to stop. Postgres takes SIGTERM as a *smart* shutdown that waits
 * for every client to disconnect, so with workers connected it would sit out the grace period
 * and be SIGKILLed; SIGINT is its fast shutdown: clients are disconnected, the server stops
 * cleanly.
 */
export const STOP_SIGNALS: Readonly<Record<ServiceName, NodeJS.Signals>> = { temporal: 'SIGTERM', minio: 'SIGTERM', postgres: 'SIGINT' };

/** Stops only the processes `up` started (by recorded pid and binary). */
export async function devDown(env: NodeJS.ProcessEnv = process.env, only?: ServiceName[]): Promise<ServiceName[]> {
  const s = readState(env);
  if (!s) return [];
  const stopped: ServiceName[] = [];
  await Promise.all((Object.keys(s) as ServiceName[]).filter((n) => !only || only.includes(n)).map(async (name) => {
    const proc = s[name].process;
    if (alive(proc)) {
      await stopProcess(proc!, 15_000, STOP_SIGNALS[name]);
      stopped.push(name);
    }
    delete s[name].process;
  }));
  writeState(s, env);
  return stopped;
}

export async function devStatus(env: NodeJS.ProcessEnv = process.env): Promise<StackStatus> {
  const s = readState(env);
  if (!s) throw new Error(`No dev stack in ${stateDir(env)}. Start one with \`assay dev up\`.`);
  const services = await Promise.all((Object.keys(s) as ServiceName[]).map(async (name): Promise<ServiceStatus> => {
    const proc = s[name].process;
    const running = alive(proc);
    return { name, running, healthy: running && (await healthy(name, s)), address: `127.0.0.1:${s[name].port}`, pid: running ? proc!.pid : undefined };
  }));
  return { state: stateDir(env), services, temporalUi: `http://127.0.0.1:${s.temporal.uiPort}`, minioConsole: `http://127.0.0.1:${s.minio.consolePort}`, env: envOf(s) };
}
