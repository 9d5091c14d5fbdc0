// Blocked batch inference with the exported dot-product scorer (dot-scorer-model.ts): every user
// against every item, a block of users per session run so memory stays at blockSize × items.
// `recommendTopK` fetches only the TopK outputs (enough candidates to drop the seen items);
// `onnxBatchScorer` fetches the raw scores so shared/eval can rank them like any other scorer.

import * as ort from 'onnxruntime-node';
import type { Matrix, UserSequences } from '../../data/types';
import type { BatchScorer } from '../../eval/evaluate';
import { markSeen, type TopKBlock } from '../../eval/topk';
import { DOT_SCORER_NAMES } from './dot-scorer-model';
import type { ScoringSession } from './scoring-session';

export interface RecommendRequest {
  readonly scoring: ScoringSession;
  readonly userEmbeddings: Matrix;
  readonly numItems: number;
  /** the k the model was built with */
  readonly k: number;
  /** items to exclude per user (CSR over user index) */
  readonly seen?: UserSequences;
  /** users to recommend for; default all rows of userEmbeddings */
  readonly users?: Int32Array;
  readonly blockSize?: number;
}

export async function recommendTopK(request: RecommendRequest): Promise<{ users: Int32Array; topK: TopKBlock }> {
  const { scoring, userEmbeddings, numItems, k, seen } = request;
  const users = request.users ?? Int32Array.from({ length: userEmbeddings.rows }, (_, user) => user);
  const blockSize = request.blockSize ?? 256;
  const items = new Int32Array(users.length * k);
  const scores = new Float32Array(users.length * k);
  // seenStamp[item] === tag ⇔ the row tagged `tag` has seen item (tags never repeat)
  const seenStamp = new Int32Array(numItems).fill(-1);
  let nextTag = 0;
  const stampSeen = (user: number): { tag: number; distinct: number } => {
    const tag = nextTag++;
    return { tag, distinct: markSeen(seenStamp, seen, user, tag, numItems) };
  };

  // Two blocks in flight: ONNX Runtime scores the next block while this thread filters the
  // previous one, so the filtering is not idle scoring time (docs/performance.md).
  type Pending = { blockStart: number; blockUsers: Int32Array; candidates: number; result: Promise<ort.InferenceSession.OnnxValueMapType> };
  const collect = async ({ blockStart, blockUsers, candidates, result }: Pending): Promise<void> => {
    const out = await result;
    const blockScores = out[DOT_SCORER_NAMES.topScores]!.data as Float32Array;
    const blockItems = out[DOT_SCORER_NAMES.topItems]!.data as BigInt64Array;
    for (let row = 0; row < blockUsers.length; row++) {
      const { tag } = stampSeen(blockUsers[row]!);
      const outBase = (blockStart + row) * k;
      let slot = 0;
      for (let c = 0; c < candidates && slot < k; c++) {
        const item = Number(blockItems[row * candidates + c]!);
        if (seenStamp[item] === tag) continue;
        items[outBase + slot] = item;
        scores[outBase + slot] = blockScores[row * candidates + c]!;
        slot++;
      }
      // fewer unseen items than k: pad like topk.ts does
      for (; slot < k; slot++) {
        items[outBase + slot] = -1;
        scores[outBase + slot] = Number.NEGATIVE_INFINITY;
      }
    }
  };
  let inFlight: Pending | null = null;
  for (let blockStart = 0; blockStart < users.length; blockStart += blockSize) {
    const blockUsers = users.subarray(blockStart, Math.min(users.length, blockStart + blockSize));
    // the top k unseen items of a row are among its top (k + distinct seen) scores
    let mostSeen = 0;
    for (const user of blockUsers) mostSeen = Math.max(mostSeen, stampSeen(user).distinct);
    const candidates = Math.min(numItems, k + mostSeen);
    const feeds = {
      [DOT_SCORER_NAMES.userEmbeddings]: userBlockTensor(userEmbeddings, blockUsers),
      [DOT_SCORER_NAMES.candidates]: new ort.Tensor('int64', BigInt64Array.of(BigInt(candidates)), [1]),
    };
    const next: Pending = { blockStart, blockUsers, candidates, result: scoring.session.run(feeds, [DOT_SCORER_NAMES.topScores, DOT_SCORER_NAMES.topItems]) };
    next.result.catch(() => undefined); // awaited in collect; this only keeps an early failure of the previous block from leaving it unhandled
    if (inFlight) await collect(inFlight);
    inFlight = next;
  }
  if (inFlight) await collect(inFlight);
  return { users, topK: { k, items, scores } };
}

/** A BatchScorer (users → users × items raw scores) backed by the ONNX session. */
export function onnxBatchScorer(scoring: ScoringSession, userEmbeddings: Matrix): BatchScorer {
  return async (users) => {
    const feeds = {
      [DOT_SCORER_NAMES.userEmbeddings]: userBlockTensor(userEmbeddings, users),
      // only the scores are fetched; the smallest TopK keeps the unused branch cheap
      [DOT_SCORER_NAMES.candidates]: new ort.Tensor('int64', BigInt64Array.of(1n), [1]),
    };
    const out = await scoring.session.run(feeds, [DOT_SCORER_NAMES.scores]);
    return out[DOT_SCORER_NAMES.scores]!.data as Float32Array;
  };
}

function userBlockTensor(userEmbeddings: Matrix, users: Int32Array): ort.Tensor {
  const dim = userEmbeddings.cols;
  const block = new Float32Array(users.length * dim);
  for (let row = 0; row < users.length; row++) {
    const user = users[row]!;
    if (!(user >= 0 && user < userEmbeddings.rows)) throw new RangeError(`user ${user} has no embedding (userEmbeddings has ${userEmbeddings.rows} rows)`);
    block.set(userEmbeddings.data.subarray(user * dim, (user + 1) * dim), row * dim);
  }
  return new ort.Tensor('float32', block, [users.length, dim]);
}
