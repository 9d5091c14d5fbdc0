import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkoutPrefix, defaultQueue, withCheckoutQueues } from '../../../shared/temporal/task-queues';

describe('per-checkout task queues', () => {
  it('gives two clones with the same folder name different prefixes', async () => {
    const a = path.join(await mkdtemp(path.join(tmpdir(), 'clone-a-')));
    const b = path.join(await mkdtemp(path.join(tmpdir(), 'clone-b-')));
    expect(checkoutPrefix(a)).not.toBe(checkoutPrefix(b));
    expect(checkoutPrefix(a)).toMatch(/^clone-a-[A-Za-z0-9]+-[0-9a-f]{6}$/);
  });

  it('prefixes the bare default queues of a spec and keeps the ones it names', () => {
    const env = { ASSAY_TASK_QUEUE_PREFIX: 'prod-eu' };
    expect(withCheckoutQueues({ taskQueues: { cpu: 'assay-cpu', accelerator: 'gpu-pool' } }, env).taskQueues).toEqual({ cpu: 'prod-eu-assay-cpu', accelerator: 'gpu-pool' });
  });

  it('defaults to this checkout’s prefix, so a worker and a client of one checkout meet and no other does', () => {
    expect(defaultQueue('cpu', {})).toBe(`${checkoutPrefix()}-assay-cpu`);
    expect(defaultQueue('accelerator', {})).not.toBe('assay-accelerator');
  });

  it('rejects a prefix that cannot be part of a queue name', () => {
    expect(() => defaultQueue('cpu', { ASSAY_TASK_QUEUE_PREFIX: 'a b' })).toThrow(/ASSAY_TASK_QUEUE_PREFIX/);
  });
});
