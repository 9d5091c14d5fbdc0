import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as activities from '../../activities';
import { startTestWorker, type TestWorker } from '../support/temporal';

describe('self-check workflow on the real Temporal dev server', () => {
  let tw: TestWorker;
  beforeAll(async () => { tw = await startTestWorker('self-check', { activities }); });
  afterAll(async () => { await tw?.stop(); });

  it('runs a workflow whose activity result comes back through the server', async () => {
    const handle = await tw.client.workflow.start('selfCheck', { args: ['assay'], taskQueue: tw.taskQueue, workflowId: `${tw.taskQueue}-wf` });
    expect(await handle.result()).toBe(createHash('sha256').update('assay').digest('hex'));
    const history = await handle.fetchHistory();
    const kinds = history.events?.map((e) => e.eventType) ?? [];
    // An ActivityTaskCompleted event proves the activity really ran through the server.
    expect(kinds).toContain(12 /* EVENT_TYPE_ACTIVITY_TASK_COMPLETED */);
  });
});
