// A minimal workflow that exercises the whole Temporal path (client → server → worker →
// activity → result) without touching the ML steps.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

const { digestText } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

export async function selfCheck(text: string): Promise<string> {
  const { sha256 } = await digestText(text);
  return sha256;
}
