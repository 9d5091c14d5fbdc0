// Brings the dev stack up once per test run (or reuses one already up) and stops, at the end,
// only the servers this run started. Test workers inherit the stack's settings through the
// environment, so every test talks to the same real servers.
import { devDown, devUp } from '../../infra/dev/stack';

let startedHere: Awaited<ReturnType<typeof devUp>>['started'] = [];

export async function setup(): Promise<void> {
  const t0 = Date.now();
  const status = await devUp();
  startedHere = status.started;
  for (const [key, value] of Object.entries(status.env)) {
    if (!process.env[key]) process.env[key] = value;
  }
  const reused = status.services.map((s) => s.name).filter((n) => !startedHere.includes(n));
  console.log(`[assay test stack] ${((Date.now() - t0) / 1000).toFixed(1)} s; started: ${startedHere.join(', ') || 'none'}; reused: ${reused.join(', ') || 'none'}; Temporal UI ${status.temporalUi}`);
}

export async function teardown(): Promise<void> {
  if (startedHere.length > 0) await devDown(process.env, startedHere);
}
