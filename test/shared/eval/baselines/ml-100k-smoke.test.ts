// Smoke run of the three baselines on real data (MovieLens 100K) with a leave-last-out split:
// each user's latest interaction is the test target, everything before it is train and "seen".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryUserItem } from '../../../../shared/eval/baselines/binary-user-item';
import { buildEase } from '../../../../shared/eval/baselines/ease';
import { buildItemKnn } from '../../../../shared/eval/baselines/item-knn';
import { buildMostPopular } from '../../../../shared/eval/baselines/most-popular';
import { evaluateFullRanking, type BatchScorer } from '../../../../shared/eval/evaluate';
import { userCsrFromInteractions } from '../../../../shared/eval/interaction-csr';
import { interactions } from './tiny-data';
import { dataFolder } from '../../../../shared/data/data-folder';

const INTER_FILE = join(dataFolder(), 'ml-100k', 'ml-100k.inter');

function leaveLastOut() {
  const lines = readFileSync(INTER_FILE, 'utf8').trim().split('\n').slice(1);
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const rows = lines.map((line, row) => {
    const [userId, itemId, , timestamp] = line.split('\t') as [string, string, string, string];
    if (!userIndex.has(userId)) userIndex.set(userId, userIndex.size);
    if (!itemIndex.has(itemId)) itemIndex.set(itemId, itemIndex.size);
    return { user: userIndex.get(userId)!, item: itemIndex.get(itemId)!, ts: Number(timestamp), row };
  });
  rows.sort((a, b) => a.user - b.user || a.ts - b.ts || a.row - b.row);
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  rows.forEach((r, p) => (p + 1 === rows.length || rows[p + 1]!.user !== r.user ? test : train).push([r.user, r.item]));
  return { numUsers: userIndex.size, numItems: itemIndex.size, train: interactions(train), test: interactions(test) };
}

describe('baselines on ml-100k, leave-last-out, full ranking', () => {
  it('all three beat chance by a wide margin and EASE beats most-popular', async () => {
    const { numUsers, numItems, train, test } = leaveLastOut();
    expect([numUsers, numItems, train.length + test.length]).toEqual([943, 1682, 100_000]);
    const matrix = binaryUserItem(train, numUsers, numItems);
    const seen = userCsrFromInteractions(train, numUsers);
    const targets = userCsrFromInteractions(test, numUsers);
    const evaluate = (scorer: BatchScorer) => evaluateFullRanking({ scorer, numItems, seen, targets, k: 10, blockSize: 128 });

    const ease = buildEase(matrix, { lambda: 500 });
    const results = {
      'most-popular': await evaluate(buildMostPopular(matrix).scorer),
      'item-knn': await evaluate(buildItemKnn(matrix, { neighbours: 100 }).scorer),
      ease: await evaluate(ease.scorer),
    };
    for (const [name, result] of Object.entries(results)) {
      const m = result.means;
      console.log(
        `ml-100k ${name}: HR@10 ${m.hitRate.toFixed(4)} NDCG@10 ${m.ndcg.toFixed(4)} MRR ${m.mrr.toFixed(4)} AUC ${m.auc.toFixed(4)} ` +
          `(${result.counts.usersEvaluated} users, ${result.seconds.toFixed(2)} s)`,
      );
      expect(result.counts.usersEvaluated).toBe(943);
      // Chance level for HR@10 is about 10 / 1,600 unseen items ≈ 0.006.
      expect(m.hitRate).toBeGreaterThan(0.03);
      expect(m.auc).toBeGreaterThan(0.7); // chance is 0.5
    }
    console.log(`ease fit ${ease.fitSeconds.toFixed(2)} s on ${ease.restriction.itemsKept}/${ease.restriction.itemsTotal} items`);
    expect(results.ease.means.ndcg).toBeGreaterThan(results['most-popular'].means.ndcg);
  }, 60_000);
});
