// Task-queue names carry a per-checkout prefix by default: two checkouts (or a checkout and a
// deployment) polling the bare `assay-cpu` on one Temporal server would run each other's
// pipelines on their own code. A deployment names its prefix with ASSAY_TASK_QUEUE_PREFIX.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_TASK_QUEUES = { cpu: 'assay-cpu', accelerator: 'assay-accelerator' } as const;
export type Pool = keyof typeof DEFAULT_TASK_QUEUES;

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** `<folder name>-<6 hex of its real path>`: readable, and distinct for two clones with one name. */
export function checkoutPrefix(root = REPO_ROOT): string {
  const real = realpathSync(root);
  const name = path.basename(real).replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 24) || 'assay';
  return `${name}-${createHash('sha256').update(real).digest('hex').slice(0, 6)}`;
}

export function queuePrefix(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.ASSAY_TASK_QUEUE_PREFIX;
  if (set === undefined || set === '') return checkoutPrefix();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/.test(set)) throw new Error(`ASSAY_TASK_QUEUE_PREFIX=${JSON.stringify(set)}: use 1-41 letters, digits, dot, dash or underscore`);
  return set;
}

/** The queue a pool polls when none is named: the default name behind this checkout's prefix. */
export function defaultQueue(pool: Pool, env: NodeJS.ProcessEnv = process.env): string {
  return `${queuePrefix(env)}-${DEFAULT_TASK_QUEUES[pool]}`;
}

/** A spec's queues with the bare defaults replaced by this checkout's; named queues are kept. */
export function withCheckoutQueues<T extends { taskQueues: Record<Pool, string> }>(spec: T, env: NodeJS.ProcessEnv = process.env): T {
  const queue = (pool: Pool) => (spec.taskQueues[pool] === DEFAULT_TASK_QUEUES[pool] ? defaultQueue(pool, env) : spec.taskQueues[pool]);
  return { ...spec, taskQueues: { cpu: queue('cpu'), accelerator: queue('accelerator') } };
}
