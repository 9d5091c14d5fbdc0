// Detached server processes that outlive the CLI call that started them. A pid is trusted
// only while its command line still names the binary we started, so `down` never signals a
// process that merely reused the pid.
import { spawn } from 'node:child_process';
import { openSync, readFileSync, existsSync } from 'node:fs';
import { serverEnvironment } from './server-env';

export interface StartedProcess {
  pid: number;
  binary: string;
  log: string;
}

/** Starts `binary` with only the environment a server needs plus `opts.env` (see server-env.ts). */
export function spawnDetached(binary: string, args: string[], opts: { env?: Record<string, string>; log: string; cwd?: string; uid?: number; gid?: number }): StartedProcess {
  const out = openSync(opts.log, 'a');
  const child = spawn(binary, args, {
    cwd: opts.cwd,
    env: serverEnvironment(process.env, opts.env),
    detached: true,
    stdio: ['ignore', out, out],
    uid: opts.uid,
    gid: opts.gid,
  });
  if (child.pid === undefined) throw new Error(`Could not start ${binary}; see ${opts.log}.`);
  child.unref();
  return { pid: child.pid, binary, log: opts.log };
}

export function isOurProcess(proc: Pick<StartedProcess, 'pid' | 'binary'>): boolean {
  const cmdline = `/proc/${proc.pid}/cmdline`;
  if (!existsSync(cmdline)) return false;
  try {
    return readFileSync(cmdline, 'utf8').split('\0')[0] === proc.binary;
  } catch {
    return false;
  }
}

/** Sends `signal`, waits up to `graceMs` for the process to exit, then SIGKILLs it. */
export async function stopProcess(proc: Pick<StartedProcess, 'pid' | 'binary'>, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isOurProcess(proc)) return;
  process.kill(proc.pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(proc)) return;
    await sleep(100);
  }
  if (isOurProcess(proc)) process.kill(proc.pid, 'SIGKILL');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Polls `check` until it passes; a timeout names the server, its log and the log's tail. */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number, log?: string, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (alive && !alive()) {
      throw new Error(`${what} exited during start-up.${log ? ` Its log (${log}) ends with:\n${tail(log)}` : ''}`);
    }
    await sleep(250);
  }
  throw new Error(`${what} did not become healthy within ${Math.round(timeoutMs / 1000)} s.${log ? ` Its log (${log}) ends with:\n${tail(log)}` : ''}\nRun \`assay dev down\` and \`assay dev up\` again; if it persists, remove the folder named in the log.`);
}
