// Early stopping on the validation split for fine-tuning (spec `finetune.earlyStopping`):
// every `every` epochs the epoch's checkpoint is scored (validation NDCG@k, full ranking);
// after `patience` scorings without a better score training stops, and the best epoch's
// checkpoint is the one the step publishes. Only the test split stays unseen by this choice.
import { z } from 'zod';

export const EarlyStoppingSchema = z.object({
  patience: z.number().int().min(1).describe('scorings in a row without a better validation NDCG@k before training stops'),
  every: z.number().int().min(1).default(1).describe('score the validation split after every this many epochs'),
});
export type EarlyStoppingSettings = z.output<typeof EarlyStoppingSchema>;

export interface ScoredEpoch {
  readonly epoch: number;
  readonly score: number;
  readonly checkpointDir: string;
}

export class EarlyStopping {
  best: ScoredEpoch | null = null;
  readonly history: ScoredEpoch[] = [];
  private withoutImprovement = 0;

  constructor(
    private readonly settings: EarlyStoppingSettings,
    /** validation score of the model in a checkpoint directory; higher is better */
    private readonly score: (checkpointDir: string) => Promise<number>,
  ) {}

  /** true once `patience` scorings in a row did not beat the best */
  get shouldStop(): boolean {
    return this.withoutImprovement >= this.settings.patience;
  }

  /** scores every `every`-th epoch; `last` scores the final epoch too, so the pick never ignores it */
  async afterEpoch({ epoch, checkpointDir }: { epoch: number; checkpointDir: string }, last = false): Promise<ScoredEpoch | undefined> {
    if (this.history.some((h) => h.epoch === epoch)) return undefined;
    if (!last && epoch % this.settings.every !== 0) return undefined;
    const scored = { epoch, score: await this.score(checkpointDir), checkpointDir };
    this.history.push(scored);
    // strictly better: on a tie the earlier (cheaper, less fitted) epoch is kept
    if (!this.best || scored.score > this.best.score) {
      this.best = scored;
      this.withoutImprovement = 0;
    } else {
      this.withoutImprovement += 1;
    }
    return scored;
  }
}
