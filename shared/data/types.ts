// The columnar shapes every library passes around. Numeric columns are typed arrays so hot
// loops (sessionizing, sampling, scoring) never walk arrays of objects.

/** Event types ordered by strength of intent; graded relevance is derived from the index. */
export const EVENT_TYPES = ['view', 'click', 'cart', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One row per interaction, all columns the same length, users/items as dense indices. */
export interface InteractionTable {
  readonly length: number;
  /** dense user index, 0..numUsers-1 */
  readonly user: Int32Array;
  /** dense item index, 0..numItems-1 */
  readonly item: Int32Array;
  /** unix seconds; for files without time, the position in the user's sequence */
  readonly ts: Float64Array;
  /** index into EVENT_TYPES */
  readonly type: Uint8Array;
  /** dense session index, -1 when not sessionized */
  readonly session: Int32Array;
  /** graded relevance label (0 = negative) */
  readonly relevance: Float32Array;
  /** dense query index, -1 when the interaction did not follow a search */
  readonly query: Int32Array;
  /** 0-based rank at which the item was shown for the query, -1 when unknown (optional) */
  readonly position?: Int32Array;
  /**
   * the source's optional magnitude columns (units, money), NaN on rows that gave none; present
   * only when the source has the column, so datasets without it keep their bytes. Usable as
   * fine-tuning example weights (finetune.exampleWeight).
   */
  readonly quantity?: Float32Array;
  readonly value?: Float32Array;
}

/** The interaction columns usable as example weights. */
export const WEIGHT_COLUMNS = ['quantity', 'value'] as const;
export type WeightColumn = (typeof WEIGHT_COLUMNS)[number];

/** Graded query–item relevance judgments (e.g. ESCI), one row per (query, item). */
export interface QueryJudgments {
  readonly length: number;
  /** dense query index into SplitDataset.queries */
  readonly query: Int32Array;
  /** dense item index */
  readonly item: Int32Array;
  /** graded relevance on the event scale (0 = irrelevant … 3 = exact) */
  readonly relevance: Float32Array;
}

/** Token ids of every item's text in compressed-sparse-row form. */
export interface ItemTokens {
  /** token id → token string; the first entries are the special tokens */
  readonly vocab: readonly string[];
  /** offsets[i]..offsets[i+1] indexes `ids` for item i; length numItems + 1 */
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
  /** ids of the special tokens the models need */
  readonly special: { readonly pad: number; readonly unk: number; readonly cls: number; readonly sep: number; readonly mask: number };
}

/** Per-user, time-ordered item sequences in compressed-sparse-row form. */
export interface UserSequences {
  /** offsets[u]..offsets[u+1] indexes `items` for user u; length numUsers + 1 */
  readonly offsets: Int32Array;
  readonly items: Int32Array;
}

/** A preprocessed dataset partition, split by time with no future leakage. */
export interface SplitDataset {
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  /** dense index → external id */
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** text per item (title, category, brand); empty string when the source has none */
  readonly itemText: readonly string[];
  /**
   * price per item from the item file, NaN where it gave none; carried so outputs can show
   * what is being recommended at what price (recommendations.jsonl), and bucketed into a model
   * input when pretrain.encoder.priceBuckets is set (shared/ml/price-buckets.ts). Absent from a
   * dataset artifact that carries no price column.
   */
  readonly itemPrice?: Float64Array;
  /** search query text per dense query index (empty when the source has no queries) */
  readonly queries: readonly string[];
  readonly train: InteractionTable;
  readonly valid: InteractionTable;
  readonly test: InteractionTable;
  /** query–item relevance judgments when the source has them (optional) */
  readonly judgments?: QueryJudgments;
  /** tokenized item text when a tokenizer was configured (optional) */
  readonly tokens?: ItemTokens;
}

/** A row-major matrix of float32 values, e.g. embeddings (rows × dim). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}
