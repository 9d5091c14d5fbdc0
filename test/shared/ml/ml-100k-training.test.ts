import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../shared/ml/backend';
import { finetune } from '../../../shared/ml/finetune';
import { pretrain } from '../../../shared/ml/pretrain';
import { userEmbeddings } from '../../../shared/ml/scoring';
import { hitRateAtK, loadMl100kLeaveLastOut } from './ml-100k-fixture';

const root = mkdtempSync(join(tmpdir(), 'assay-ml-100k-'));
beforeAll(async () => {
  await selectBackend(undefined, () => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('MovieLens 100K, leave-last-out', () => {
  it('a small model pretrains and fine-tunes with falling loss and ranks held-out items far above chance', async () => {
    const data = loadMl100kLeaveLastOut();
    const encoder = { dim: 32, layers: 1, heads: 2, maxLen: 20, dropout: 0.1 };
    const pre = await pretrain({ numItems: data.numItems, sequences: data.trainSequences }, { encoder, epochs: 2, batchSize: 128, optimizer: { lr: 3e-3 } }, { checkpointDir: join(root, 'pre') });
    expect(pre.lossHistory[1]).toBeLessThan(pre.lossHistory[0]!);

    const ft = await finetune({ numUsers: data.numUsers, numItems: data.numItems, train: data.train }, pre.model, { epochs: 2, batchSize: 128, optimizer: { lr: 3e-3 } }, { checkpointDir: join(root, 'ft') });
    expect(ft.lossHistory[1]).toBeLessThan(ft.lossHistory[0]!);

    const hr = hitRateAtK(userEmbeddings(ft.model, data.trainSequences), ft.itemEmbeddings, data, 10);
    console.log(`ml-100k: pretrain ${pre.examplesPerSecond.toFixed(0)} windows/s, finetune ${ft.examplesPerSecond.toFixed(0)} examples/s, losses ${pre.lossHistory.map((l) => l.toFixed(3))} / ${ft.lossHistory.map((l) => l.toFixed(3))}, HR@10 ${hr.toFixed(4)}`);
    // chance is 10 / 1682 ≈ 0.006
    expect(hr).toBeGreaterThan(0.03);
  });
});
