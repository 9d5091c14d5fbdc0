// Full-ranking evaluation (docs/architecture.md §1 evaluation protocol): every user's held-out items are ranked
// against ALL items the user has not seen — never against sampled negatives. The scorer is any
// batch function (trained model, ONNX session, baseline), so every method is measured by the
// same code. Users are scored in blocks to bound memory at blockSize × numItems floats.

import { z } from 'zod';
import type { UserSequences } from '../data/types';
import type { TargetSets } from './interaction-csr';
import { METRIC_NAMES, MetricAverager, userMetrics, type MetricName, type UserMetrics } from './metrics';
import { rankTargets } from './target-ranks';
import { markSeen, topKExcludingSeen, type TopKBlock } from './topk';

/** Scores for a block of users: users.length × numItems, row-major. */
export type BatchScorer = (users: Int32Array) => Promise<Float32Array>;

export const evaluationSettingsSchema = z.object({
  numItems: z.number().int().positive(),
  k: z.number().int().positive().default(10),
  blockSize: z.number().int().positive().default(256),
  /** also return each evaluated user's top-K (seen excluded), e.g. for the infer step */
  keepTopK: z.boolean().default(false),
});
export type EvaluationSettings = z.input<typeof evaluationSettingsSchema>;

export interface EvaluationRequest extends EvaluationSettings {
  readonly scorer: BatchScorer;
  /** items each user has already interacted with (train [+ valid]); excluded from the ranking */
  readonly seen: UserSequences;
  /** held-out items per user; relevance ≤ 0 marks a non-relevant item and is ignored */
  readonly targets: TargetSets;
  /** users to evaluate; default: every user in `targets` with at least one target row */
  readonly users?: Int32Array;
}

export interface EvaluationResult {
  readonly k: number;
  /** metric means over users where the metric is defined */
  readonly means: UserMetrics;
  readonly counts: {
    /** users with at least one relevant target (the denominator of the means) */
    readonly usersEvaluated: number;
    /** requested users left out because they had no relevant target */
    readonly usersWithoutTargets: number;
    /** users each metric's mean covers (AUC leaves out users with no negative item) */
    readonly usersPerMetric: Record<MetricName, number>;
    /** distinct relevant targets over all users */
    readonly targets: number;
    /** targets the user had already seen: excluded from the candidate list, so ranked last (a miss) */
    readonly seenTargets: number;
  };
  /** per requested user, in `users` order; NaN where the metric is undefined */
  readonly perUser: { readonly users: Int32Array } & Record<MetricName, Float32Array>;
  readonly topK?: TopKBlock;
  readonly seconds: number;
}

export async function evaluateFullRanking(request: EvaluationRequest): Promise<EvaluationResult> {
  const parsed = evaluationSettingsSchema.safeParse({
    numItems: request.numItems,
    k: request.k,
    blockSize: request.blockSize,
    keepTopK: request.keepTopK,
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new RangeError(`evaluateFullRanking: invalid settings (${issues})`);
  }
  const { numItems, k, blockSize, keepTopK } = parsed.data;
  const { scorer, seen, targets } = request;
  const targetUserCount = targets.offsets.length - 1;
  const users = request.users ?? usersWithTargets(targets);
  const started = performance.now();

  const averager = new MetricAverager();
  const perUser = {
    users,
    ...(Object.fromEntries(METRIC_NAMES.map((name) => [name, new Float32Array(users.length).fill(Number.NaN)])) as Record<
      MetricName,
      Float32Array
    >),
  };
  const topKItems = keepTopK ? new Int32Array(users.length * k) : undefined;
  const topKScores = keepTopK ? new Float32Array(users.length * k) : undefined;
  const seenStamp = new Int32Array(numItems).fill(-1);
  const targetStamp = new Int32Array(numItems).fill(-1);
  const targetSlot = new Int32Array(numItems);
  let usersEvaluated = 0;
  let usersWithoutTargets = 0;
  let targetCount = 0;
  let seenTargetCount = 0;

  for (let blockStart = 0; blockStart < users.length; blockStart += blockSize) {
    const blockUsers = users.subarray(blockStart, Math.min(users.length, blockStart + blockSize));
    const scores = await scorer(blockUsers);
    if (scores.length !== blockUsers.length * numItems) {
      throw new RangeError(
        `evaluateFullRanking: scorer returned ${scores.length} scores for ${blockUsers.length} users; ` +
          `expected users × numItems = ${blockUsers.length} × ${numItems}. Check the scorer's item count.`,
      );
    }
    for (let row = 0; row < blockUsers.length; row++) {
      const user = blockUsers[row]!;
      const position = blockStart + row;
      if (!(user >= 0 && user < targetUserCount)) {
        throw new RangeError(`evaluateFullRanking: users[${position}] = ${user} is outside the targets CSR (0..${targetUserCount - 1})`);
      }
      const tag = position;
      const seenCount = markSeen(seenStamp, seen, user, tag, numItems);

      // Distinct relevant targets (max relevance per item), split into unseen and seen ones.
      const start = targets.offsets[user]!;
      const end = targets.offsets[user + 1]!;
      const distinct: number[] = [];
      const relevanceOf: number[] = [];
      for (let p = start; p < end; p++) {
        const item = targets.items[p]!;
        const relevance = targets.relevance ? targets.relevance[p]! : 1;
        if (!(item >= 0 && item < numItems)) throw new RangeError(`targets: user ${user} has item ${item}, outside 0..${numItems - 1}`);
        if (!(relevance > 0)) continue;
        if (targetStamp[item] === tag) {
          const slot = targetSlot[item]!;
          relevanceOf[slot] = Math.max(relevanceOf[slot]!, relevance);
          continue;
        }
        targetStamp[item] = tag;
        targetSlot[item] = distinct.length;
        distinct.push(item);
        relevanceOf.push(relevance);
      }
      if (distinct.length === 0) {
        usersWithoutTargets++;
        continue;
      }
      const unseen: number[] = [];
      const seenTargets: number[] = [];
      for (const item of distinct) (seenStamp[item] === tag ? seenTargets : unseen).push(item);
      seenTargets.sort((a, b) => a - b);
      const candidateCount = numItems - seenCount;
      const listLength = candidateCount + seenTargets.length;

      const unseenItems = Int32Array.from(unseen);
      const unseenRanks = new Int32Array(unseen.length);
      rankTargets(scores, row * numItems, numItems, seenStamp, tag, unseenItems, unseenRanks, user);
      const ranks = new Int32Array(distinct.length);
      const relevance = new Float32Array(distinct.length);
      let t = 0;
      for (let u = 0; u < unseen.length; u++, t++) {
        ranks[t] = unseenRanks[u]!;
        relevance[t] = relevanceOf[targetSlot[unseen[u]!]!]!;
      }
      // A seen target cannot be recommended: it sits after every candidate.
      for (let s = 0; s < seenTargets.length; s++, t++) {
        ranks[t] = candidateCount + s;
        relevance[t] = relevanceOf[targetSlot[seenTargets[s]!]!]!;
      }
      const metrics = userMetrics(ranks, relevance, listLength, k);
      averager.add(metrics);
      for (const name of METRIC_NAMES) perUser[name][position] = metrics[name];
      usersEvaluated++;
      targetCount += distinct.length;
      seenTargetCount += seenTargets.length;
    }
    if (topKItems && topKScores) {
      const block = topKExcludingSeen({ scores, numItems, users: blockUsers, seen, k });
      topKItems.set(block.items, blockStart * k);
      topKScores.set(block.scores, blockStart * k);
    }
  }

  const { means, usersPerMetric } = averager.result();
  return {
    k,
    means,
    counts: { usersEvaluated, usersWithoutTargets, usersPerMetric, targets: targetCount, seenTargets: seenTargetCount },
    perUser,
    ...(topKItems && topKScores ? { topK: { k, items: topKItems, scores: topKScores } } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Every user with at least one target row, ascending. */
export function usersWithTargets(targets: UserSequences): Int32Array {
  const users: number[] = [];
  for (let user = 0; user + 1 < targets.offsets.length; user++) {
    if (targets.offsets[user + 1]! > targets.offsets[user]!) users.push(user);
  }
  return Int32Array.from(users);
}
