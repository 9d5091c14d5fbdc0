// Process-wide handles an activity worker shares across activities: the artifact store, the
// lineage database and who/where this worker is. Opened once, lazily, on first use.
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { readServices, type Services } from '../shared/config/services';
import { openDatabase, type OpenedDatabase } from '../shared/db/open-database';
import { createArtifactStore, type ArtifactStore } from '../shared/store';

export interface WorkerIdentity {
  /** host:pid plus the pool and its pin (`/accelerator(cuda:1)`), recorded on every step attempt */
  worker: string;
  /**
   * `cuda:<n>` for a pinned accelerator worker, else `cpu`: where the worker may compute. What
   * a step actually used depends on its backend (activities/compute.ts deviceUsed).
   */
  device: string;
}

let services: Services | undefined;
let store: Promise<ArtifactStore> | undefined;
let database: Promise<OpenedDatabase> | undefined;
// Per pool, because `assay run --workers` hosts both pools in one process.
const identities = new Map<string, WorkerIdentity>();

export function configureWorkerIdentity(pool: 'cpu' | 'accelerator', device: string): void {
  const pin = device === 'cpu' ? '' : `(${device})`;
  identities.set(pool, { worker: `${hostname()}:${process.pid}/${pool}${pin}`, device });
}

export function workerIdentity(pool: 'cpu' | 'accelerator'): WorkerIdentity {
  return identities.get(pool) ?? { worker: `${hostname()}:${process.pid}/${pool}`, device: 'cpu' };
}

export function servicesOf(): Services {
  services ??= readServices(process.env);
  return services;
}

export function artifactStore(): Promise<ArtifactStore> {
  store ??= createArtifactStore(servicesOf()).catch((err) => { store = undefined; throw err; });
  return store;
}

export function lineageDb(): Promise<OpenedDatabase> {
  database ??= openDatabase(servicesOf()).catch((err) => { database = undefined; throw err; });
  return database;
}

let temporal: Promise<Client> | undefined;

/** This worker's Temporal client, for activities that look at or signal other workflows. */
export function temporalClient(): Promise<Client> {
  temporal ??= Connection.connect({ address: servicesOf().ASSAY_TEMPORAL_ADDRESS, connectTimeout: 2000 })
    .then((connection) => new Client({ connection, namespace: servicesOf().ASSAY_TEMPORAL_NAMESPACE }))
    .catch((err) => { temporal = undefined; throw err; });
  return temporal;
}

/**
 * Tells the running workflow a training step stored an epoch, for the UI's live details.
 * Best effort: progress display must never fail or slow down a step.
 */
export async function signalEpoch(workflowId: string, runId: string, progress: { step: string; epoch: number; epochs?: number; loss?: number }): Promise<void> {
  try {
    await (await temporalClient()).workflow.getHandle(workflowId, runId).signal('epoch', progress);
  } catch {
    temporal = undefined;
  }
}

export async function closeRuntime(): Promise<void> {
  const client = temporal;
  temporal = undefined;
  if (client) await client.then((c) => c.connection.close()).catch(() => undefined);
  const db = database;
  database = undefined;
  store = undefined;
  if (db) await (await db).close();
}
