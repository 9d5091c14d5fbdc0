// Every size of the models and of their training is a config value, validated once at the
// boundary. Defaults are sized for a 2-core CPU host (WASM backend, one thread): a small
// encoder that still learns MovieLens/Amazon Beauty sequences in minutes.
import { z } from 'zod';

export const EncoderConfigSchema = z
  .object({
    dim: z.number().int().min(8).default(64).describe('hidden size of every token vector'),
    layers: z.number().int().min(1).default(2).describe('pre-LN Transformer blocks'),
    heads: z.number().int().min(1).default(2).describe('attention heads; dim must be divisible by heads'),
    maxLen: z.number().int().min(2).default(50).describe('longest input: items, query tokens and the trailing [MASK] together'),
    ffnMultiplier: z.number().int().min(1).default(2).describe('inner width of the feed-forward sublayer, as a multiple of dim'),
    dropout: z.number().min(0).max(0.9).default(0.2).describe('dropout probability after attention, the feed-forward sublayer and the input rows'),
    causal: z.boolean().default(false).describe('a position attends only to earlier positions (SASRec); false: bidirectional (BERT4Rec). Fine-tuning is always causal'),
    initStd: z.number().positive().default(0.02).describe('standard deviation of the normal the weights are initialised from'),
    // Checkpoints written before this option existed load as unscaled.
    scaleInputEmbeddings: z.boolean().default(true).describe('multiply looked-up item and token vectors by √dim before the positions are added, the tied output layer unscaled (SASRec; docs/decisions/0011-scaled-input-embeddings.md)'),
    priceBuckets: z.number().int().min(2).max(64).optional()
      .describe("item price as a feature: items are bucketed by the quantiles of their prices into this many buckets (plus one for items without a price) and a learned vector per bucket is added to the item's embedding (shared/ml/price-buckets.ts); absent: off"),
    itemTextDim: z.number().int().min(1).optional()
      .describe("width of the frozen text embedding each item carries (shared/text/item-text.ts); its learned projection to dim is added to the item's id row wherever the item is read. Set by pretraining from the embeddings it is given (spec itemText); absent: no item text"),
  })
  .refine((c) => c.dim % c.heads === 0, { message: 'dim must be divisible by heads', path: ['heads'] });
export type EncoderConfig = z.infer<typeof EncoderConfigSchema>;

export const LossConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('full').describe('full: softmax over the whole catalogue') }),
  z.object({
    kind: z.literal('sampled').describe('sampled: the target against `negatives` draws shared by the batch (docs/decisions/0008-sampled-softmax-popularity.md)'),
    negatives: z.number().int().min(1).default(1024).describe('sampled negative items per batch'),
    sampler: z.enum(['uniform', 'popularity']).default('uniform').describe('uniform draws, or draws ∝ (train count + 1)^0.75 with the log-Q correction (shared/ml/negative-sampler.ts)'),
  }),
]);
export type LossConfig = z.infer<typeof LossConfigSchema>;

export const OptimizerConfigSchema = z.object({
  lr: z.number().positive().default(1e-3).describe("Adam's learning rate (of the first epoch, with lrDecayPerEpoch)"),
  beta1: z.number().min(0).max(1).default(0.9).describe("Adam's first-moment decay"),
  beta2: z.number().min(0).max(1).default(0.999).describe("Adam's second-moment decay"),
  epsilon: z.number().positive().default(1e-8).describe("Adam's ε"),
  weightDecay: z.number().min(0).default(0).describe('decoupled weight decay (AdamW); 0 = plain Adam'),
  clipNorm: z.number().min(0).default(5).describe('global gradient-norm clip; 0 disables'),
  lazyRows: z.boolean().default(true).describe('true: a matrix row whose gradient is all zero this step keeps its weights and moments (lazy Adam; a sampled-softmax step updates only the rows it drew); false: dense Adam, every row moves every step'),
  lrDecayPerEpoch: z.number().gt(0).max(1).default(1).describe('epoch e (from 0) trains at lr·lrDecayPerEpoch^e; 1 keeps the rate constant. Per epoch, so a run resumed with more epochs keeps its rates (docs/decisions/0010-per-epoch-lr-decay.md)'),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;

const TrainingShape = {
  seed: z.number().int().default(42).describe("the seed of the step's random draws (initialisation, masks, negatives, dropout, batch order)"),
  epochs: z.number().int().min(1).default(10).describe('passes over the training data'),
  batchSize: z.number().int().min(1).default(64).describe('examples per optimizer step'),
  optimizer: OptimizerConfigSchema.prefault({}).describe('Adam and its learning-rate schedule'),
  loss: LossConfigSchema.default({ kind: 'full' }).describe('the item softmax: full, or sampled negatives'),
  threads: z.number().int().min(1).max(32).default(1).describe('data-parallel worker threads, each training on its share of every batch with a model replica (docs/decisions/0007-data-parallel-threads.md); runs with different thread counts draw different (repeatable) random streams, and a checkpoint resumes only with its own count'),
  idDropout: z.number().min(0).lt(1).optional()
    .describe("with item text: the probability that an item's id row is left out of a training step, so the item is read and predicted through its text alone (DropoutNet, Volkovs et al. 2017) and the text projection learns to stand in for the id row a new item lacks; absent or 0: every id row counts; ignored without item text"),
};

export const PretrainConfigSchema = z.object({
  encoder: EncoderConfigSchema.prefault({}).describe('the Transformer encoder, shared by pretraining and fine-tuning'),
  ...TrainingShape,
  maskProb: z.number().gt(0).lt(1).default(0.2).describe('probability that an item of a training sequence is replaced by [MASK] (BERT4Rec)'),
  text: z
    .object({
      maskProb: z.number().gt(0).lt(1).default(0.15).describe('probability that a text token is replaced by [MASK] (BERT)'),
      batchSize: z.number().int().min(1).default(32).describe('item texts per optimizer step, trained jointly with each sequence batch'),
      maxTokens: z.number().int().min(1).default(31).describe("longest item text kept, in tokens (the item's own row takes one more position)"),
      weight: z.number().min(0).default(0.5).describe('weight of the text loss next to the sequence loss'),
    })
    .prefault({})
    .describe('masked-token modelling over item texts'),
});
export type PretrainConfig = z.infer<typeof PretrainConfigSchema>;

/**
 * Truncated loss (T-CE): each batch drops its `rate` share of targets with the largest loss, the
 * share growing linearly from 0 over the first `warmupEpochs` epochs (a model that has not yet
 * learnt the clean patterns cannot tell noise by its loss).
 */
export const TruncateSchema = z.object({
  rate: z.number().gt(0, 'rate must be in (0, 0.9]').max(0.9, 'rate must be in (0, 0.9]').describe("each batch's share of targets with the largest loss that is dropped, once warmed up"),
  warmupEpochs: z.number().int().min(0).default(2).describe('epochs over which the dropped share grows linearly from 0 to rate'),
});

export const FinetuneConfigSchema = z.object({
  ...TrainingShape,
  epochs: z.number().int().min(1).default(5).describe('passes over the training data'),
  batchSize: z.number().int().min(1).default(128).describe('user rows per optimizer step'),
  maxQueryTokens: z.number().int().min(1).default(8).describe('query tokens kept per example when the interaction followed a search'),
  truncate: TruncateSchema.optional().describe('truncated loss (T-CE): each batch drops its largest-loss targets; off when absent'),
});
export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;

/**
 * Item text in the models (the spec's `itemText`): frozen embeddings of each item's text from the
 * pretrained sentence encoder (shared/text/item-text.ts), projected and added to the item's id
 * embedding in pretraining, fine-tuning and the exported scorer. Off by default: id rows alone.
 */
export const ItemTextConfigSchema = z.object({
  enabled: z.boolean().default(false).describe("add each item's projected text embedding (all-MiniLM-L6-v2, installed by bash infra/setup.sh --text-model) to its id embedding in pretraining, fine-tuning and inference"),
  batchSize: z.number().int().positive().default(64).describe('item texts per sentence-encoder call'),
  maxTokens: z.number().int().min(2).max(256).default(64).describe('tokens kept per item text (the encoder reads at most 256); titles and categories are far shorter'),
});
export type ItemTextConfig = z.infer<typeof ItemTextConfigSchema>;

export type PretrainConfigInput = z.input<typeof PretrainConfigSchema>;
export type FinetuneConfigInput = z.input<typeof FinetuneConfigSchema>;

/** Parses a config and turns zod issues into one actionable message per field path. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((i) => `  ${what}.${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`Invalid ${what} config:\n${reasons.join('\n')}\nFix these fields and run again.`);
}
