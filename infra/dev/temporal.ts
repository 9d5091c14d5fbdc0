// The Temporal CLI dev server: a real server with SQLite persistence and the Web UI, with
// Assay's search attributes registered at start so workflows can upsert them.
import { Connection } from '@temporalio/client';
import path from 'node:path';
import { ASSAY_SEARCH_ATTRIBUTES } from '../../shared/temporal/search-attributes';
import { toolPath } from './paths';
import { spawnDetached, waitUntil, isOurProcess, type StartedProcess } from './processes';

export interface TemporalPorts { port: number; uiPort: number }

export function startTemporal(state: string, ports: TemporalPorts): StartedProcess {
  const binary = toolPath('temporal');
  const attributes = ASSAY_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
  return spawnDetached(binary, [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(ports.port),
    '--ui-port', String(ports.uiPort),
    '--db-filename', path.join(state, 'temporal', 'temporal.db'),
    '--log-level', 'warn',
    ...attributes,
  ], { log: path.join(state, 'logs', 'temporal.log') });
}

export async function temporalHealthy(port: number): Promise<boolean> {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
  try {
    const response = await connection.healthService.check({});
    return response.status === 1; // SERVING
  } finally {
    await connection.close();
  }
}

export async function uiHealthy(uiPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${uiPort}/`, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}

export async function waitForTemporal(proc: StartedProcess, ports: TemporalPorts, timeoutMs: number): Promise<void> {
  const alive = () => isOurProcess(proc);
  await waitUntil(() => temporalHealthy(ports.port), 'The Temporal dev server', timeoutMs, proc.log, alive);
  await waitUntil(() => uiHealthy(ports.uiPort), 'The Temporal Web UI', timeoutMs, proc.log, alive);
}
