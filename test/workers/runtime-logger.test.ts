import { describe, expect, it } from 'vitest';
import { LogTimestamp, type LogEntry } from '@temporalio/worker';
import { workerLogger } from '../../workers/runtime-logger';

describe('worker runtime logger', () => {
  it('leaves out the activity-only pool notice and passes every other line through', () => {
    const written: LogEntry[] = [];
    const logger = workerLogger('INFO', (entry) => written.push(entry));
    const meta = { [LogTimestamp]: 0n };
    logger.warn('No workflows registered, not polling for workflow tasks', meta);
    logger.warn('Worker connection lost', meta);
    logger.debug('below the level', meta);
    expect(written.map((e) => e.message)).toEqual(['Worker connection lost']);
  });
});
