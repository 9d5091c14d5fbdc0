import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../../../shared/pipeline/steps/early-stopping';

async function feed(stopping: EarlyStopping, scores: number[]): Promise<number> {
  let epoch = 0;
  for (const _ of scores) {
    epoch += 1;
    await stopping.afterEpoch({ epoch, checkpointDir: `ck/${epoch}` });
    if (stopping.shouldStop) break;
  }
  return epoch;
}

describe('early stopping on validation', () => {
  it('stops after `patience` scorings without a better score and keeps the best epoch', async () => {
    const scores = [0.1, 0.3, 0.2, 0.25, 0.5];
    const stopping = new EarlyStopping({ patience: 2, every: 1 }, async (dir) => scores[Number(dir.split('/')[1]) - 1]!);
    expect(await feed(stopping, scores)).toBe(4);
    expect(stopping.best).toEqual({ epoch: 2, score: 0.3, checkpointDir: 'ck/2' });
  });

  it('resets the patience count when a scoring improves', async () => {
    const scores = [0.1, 0.05, 0.2, 0.15, 0.3, 0.1, 0.1];
    const stopping = new EarlyStopping({ patience: 2, every: 1 }, async (dir) => scores[Number(dir.split('/')[1]) - 1]!);
    expect(await feed(stopping, scores)).toBe(7);
    expect(stopping.best?.epoch).toBe(5);
  });

  it('scores only every `every`-th epoch, and the last epoch when asked', async () => {
    const scored: string[] = [];
    const stopping = new EarlyStopping({ patience: 5, every: 2 }, async (dir) => {
      scored.push(dir);
      return scored.length;
    });
    for (let epoch = 1; epoch <= 5; epoch++) await stopping.afterEpoch({ epoch, checkpointDir: `ck/${epoch}` });
    await stopping.afterEpoch({ epoch: 5, checkpointDir: 'ck/5' }, true);
    await stopping.afterEpoch({ epoch: 5, checkpointDir: 'ck/5' }, true);
    expect(scored).toEqual(['ck/2', 'ck/4', 'ck/5']);
    expect(stopping.best?.epoch).toBe(5);
  });

  it('keeps the earlier epoch on a tie', async () => {
    const stopping = new EarlyStopping({ patience: 3, every: 1 }, async () => 0.2);
    await feed(stopping, [0, 0]);
    expect(stopping.best?.epoch).toBe(1);
  });
});
