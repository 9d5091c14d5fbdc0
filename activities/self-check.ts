// The platform self-check's one activity: proves a worker can run activities that reach the
// real store, by hashing what it is given (no data beyond a short string crosses Temporal).
import { createHash } from 'node:crypto';
import { activityInfo } from '@temporalio/activity';

export async function digestText(text: string): Promise<{ sha256: string; attempt: number }> {
  return { sha256: createHash('sha256').update(text).digest('hex'), attempt: activityInfo().attempt };
}
