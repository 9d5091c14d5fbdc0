// Every size of the models and of their training is a config value, validated once at the
// boundary. Defaults are sized for a 2-core CPU host (WASM backend, one thread): a small
// encoder that still learns MovieLens/Amazon Beauty sequences in minutes.
import { z } from 'zod';

export const EncoderConfigSchema = z
  .object({
    /** hidden size of every token vector */
    dim: z.number().int().min(8).default(64),
    /** number of pre-LN Transformer blocks */
    layers: z.number().int().min(1).default(2),
    /** attention heads; dim must be divisible by heads */
    heads: z.number().int().min(1).default(2),
    /** longest input (items, query tokens and the trailing [MASK] together) */
    maxLen: z.number().int().min(2).default(50),
    /** inner width of the feed-forward sublayer, as a multiple of dim */
    ffnMultiplier: z.number().int().min(1).default(2),
    dropout: z.number().min(0).max(0.9).default(0.2),
    /** causal: a position attends only to earlier positions (SASRec); else bidirectional (BERT4Rec) */
    causal: z.boolean().default(false),
    /** std of the normal used for weight initialisation */
    initStd: z.number().positive().default(0.02),
    /**
     * multiply the looked-up item/token vectors by √dim before adding positions (SASRec does):
     * with the output layer tied to the same table, this keeps the input's item signal from
     * drowning in the position vectors while the output logits stay unscaled. Measured on the
     * validation split: Amazon Beauty HR@10 after 4 / 8 fine-tuning epochs 0.0131 / 0.0188
     * without, 0.0215 / 0.0484 with; ml-100k test HR@10 0.1774 → 0.1884 (quality bench; within
     * the ±0.014 sampling error of its 727 test users).
     * Checkpoints written before this option existed load as unscaled.
     */
    scaleInputEmbeddings: z.boolean().default(true),
    /**
     * item price as a feature: items are bucketed by the quantiles of their prices into this
     * many buckets (plus one for items without a price) and a learned vector per bucket is added
     * to the item's embedding (price-buckets.ts). Absent: off, and the model is as without it.
     */
    priceBuckets: z.number().int().min(2).max(64).optional(),
  })
  .refine((c) => c.dim % c.heads === 0, { message: 'dim must be divisible by heads', path: ['heads'] });
export type EncoderConfig = z.infer<typeof EncoderConfigSchema>;

/**
 * full: softmax over the whole catalogue; sampled: the target against `negatives` draws shared
 * by the batch, uniform or by training frequency with the log-Q correction (negative-sampler.ts).
 */
export const LossConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('full') }),
  z.object({
    kind: z.literal('sampled'),
    negatives: z.number().int().min(1).default(1024),
    sampler: z.enum(['uniform', 'popularity']).default('uniform'),
  }),
]);
export type LossConfig = z.infer<typeof LossConfigSchema>;

export const OptimizerConfigSchema = z.object({
  lr: z.number().positive().default(1e-3),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  /** decoupled weight decay (AdamW); 0 = plain Adam */
  weightDecay: z.number().min(0).default(0),
  /** global gradient-norm clip; 0 disables */
  clipNorm: z.number().min(0).default(5),
  /**
   * true: a matrix row whose gradient is all zero this step keeps its weights and moments
   * (LazyAdam; a sampled-softmax step then updates only the table rows it drew). false: plain
   * dense Adam, every row moves with its momentum every step, as under a full softmax.
   */
  lazyRows: z.boolean().default(true),
  /**
   * The learning rate of epoch e (counted from 0) is lr·lrDecayPerEpoch^e; 1 keeps it constant.
   * Per epoch rather than towards a final epoch, so a run resumed with more epochs keeps the
   * rates it trained under.
   */
  lrDecayPerEpoch: z.number().gt(0).max(1).default(1),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;

const TrainingShape = {
  seed: z.number().int().default(42),
  epochs: z.number().int().min(1).default(10),
  batchSize: z.number().int().min(1).default(64),
  optimizer: OptimizerConfigSchema.prefault({}),
  loss: LossConfigSchema.default({ kind: 'full' }),
  /**
   * data-parallel threads (data-parallel.ts): each computes the gradient of its share of every
   * batch on its own model replica and all apply their mean; 1 trains on the calling thread
   * alone. Runs with different thread counts draw different random streams (both repeatable).
   */
  threads: z.number().int().min(1).max(32).default(1),
};

export const PretrainConfigSchema = z.object({
  encoder: EncoderConfigSchema.prefault({}),
  ...TrainingShape,
  /** probability that an item of a training sequence is replaced by [MASK] (BERT4Rec) */
  maskProb: z.number().gt(0).lt(1).default(0.2),
  text: z
    .object({
      /** probability that a text token is replaced by [MASK] (BERT) */
      maskProb: z.number().gt(0).lt(1).default(0.15),
      /** item texts per optimizer step, trained jointly with each sequence batch */
      batchSize: z.number().int().min(1).default(32),
      /** longest item text kept, in tokens (the item's own row takes one more position) */
      maxTokens: z.number().int().min(1).default(31),
      /** weight of the text loss next to the sequence loss */
      weight: z.number().min(0).default(0.5),
    })
    .prefault({}),
});
export type PretrainConfig = z.infer<typeof PretrainConfigSchema>;

/**
 * Truncated loss (T-CE): each batch drops its `rate` share of targets with the largest loss, the
 * share growing linearly from 0 over the first `warmupEpochs` epochs (a model that has not yet
 * learnt the clean patterns cannot tell noise by its loss).
 */
export const TruncateSchema = z.object({
  rate: z.number().gt(0, 'rate must be in (0, 0.9]').max(0.9, 'rate must be in (0, 0.9]'),
  warmupEpochs: z.number().int().min(0).default(2),
});

export const FinetuneConfigSchema = z.object({
  ...TrainingShape,
  epochs: z.number().int().min(1).default(5),
  batchSize: z.number().int().min(1).default(128),
  /** query tokens kept per example when the interaction followed a search */
  maxQueryTokens: z.number().int().min(1).default(8),
  /** truncated loss (TruncateSchema); off when absent */
  truncate: TruncateSchema.optional(),
});
export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;

export type PretrainConfigInput = z.input<typeof PretrainConfigSchema>;
export type FinetuneConfigInput = z.input<typeof FinetuneConfigSchema>;

/** Parses a config and turns zod issues into one actionable message per field path. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((i) => `  ${what}.${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`Invalid ${what} config:\n${reasons.join('\n')}\nFix these fields and run again.`);
}
