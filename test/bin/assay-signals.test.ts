// Stopping the `assay` entry (Ctrl-C, `timeout`, a supervisor) must stop the CLI it started.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/dev/paths';

const forwardSignals = path.join(repoRoot, 'bin', 'forward-signals.js');

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** An entry like bin/assay.js whose child prints its pid and then waits forever. */
function startEntry() {
  const childScript = 'console.log(process.pid); setInterval(() => {}, 1000)';
  const entry = `require(${JSON.stringify(forwardSignals)}).runForwardingSignals(process.execPath, ['-e', ${JSON.stringify(childScript)}])`;
  const proc = spawn(process.execPath, ['-e', entry], { stdio: ['ignore', 'pipe', 'inherit'] });
  const childPid = new Promise<number>((resolve) => proc.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, childPid, exited };
}

async function gone(pid: number, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (!alive(pid)) return true;
  return !alive(pid);
}

describe('bin/assay.js signal forwarding', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the entry stops the process it started, and the entry ends by the same signal`, async () => {
      const { proc, childPid, exited } = startEntry();
      const pid = await childPid;
      expect(alive(pid)).toBe(true);
      proc.kill(signal);
      expect(await exited).toEqual({ code: null, signal });
      expect(await gone(pid)).toBe(true);
    });
  }

  it('passes the exit code of the CLI through', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'assay.js'), 'no-such-command'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
