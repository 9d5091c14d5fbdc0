// One embedding table serves every input symbol, so items, text tokens and special
// symbols share the encoder and the same lookup. Row layout (the contract the ONNX
// exporter and the scorer rely on):
//   0 = [PAD]   1 = [MASK]   2 = [SEP] (separates a user's items from a search query)
//   3 … 3+numItems-1            items, in dense item order
//   3+numItems … +vocabSize-1   text tokens, in tokenizer id order
export const PAD_ROW = 0;
export const MASK_ROW = 1;
export const SEP_ROW = 2;
export const FIRST_ITEM_ROW = 3;

export interface Vocabulary {
  readonly numItems: number;
  /** text tokens known to the model; 0 when it was trained without text */
  readonly vocabSize: number;
  /**
   * price bucket of each item (0 = no price, 1..encoder.priceBuckets), present only when the
   * model takes price as an item feature (price-buckets.ts); fixed at pretraining
   */
  readonly itemPriceBucket?: readonly number[];
}

export const itemRow = (item: number): number => FIRST_ITEM_ROW + item;
export const tokenRow = (v: Vocabulary, token: number): number => FIRST_ITEM_ROW + v.numItems + token;
export const tableRows = (v: Vocabulary): number => FIRST_ITEM_ROW + v.numItems + v.vocabSize;

/** Token ids per row in CSR form: row r owns ids[offsets[r] .. offsets[r+1]). */
export interface TokenCsr {
  readonly offsets: Int32Array;
  readonly ids: Int32Array;
  /** tokenizer vocabulary size; every id is in [0, vocabSize) */
  readonly vocabSize: number;
}

/** Checks a CSR's shape so a bad artifact fails here with its name, not deep in a kernel. */
export function assertTokenCsr(csr: TokenCsr, rows: number, what: string): void {
  if (csr.offsets.length !== rows + 1) throw new Error(`${what}: offsets has ${csr.offsets.length} entries, expected rows + 1 = ${rows + 1}`);
  if (csr.offsets[rows] !== csr.ids.length) throw new Error(`${what}: offsets[${rows}]=${csr.offsets[rows]} must equal ids.length=${csr.ids.length}`);
  for (let r = 0; r < rows; r++) {
    if ((csr.offsets[r + 1] as number) < (csr.offsets[r] as number)) throw new Error(`${what}: offsets must not decrease (row ${r})`);
  }
  for (let i = 0; i < csr.ids.length; i++) {
    const id = csr.ids[i] as number;
    if (id < 0 || id >= csr.vocabSize) throw new Error(`${what}: ids[${i}]=${id} is outside [0, vocabSize=${csr.vocabSize})`);
  }
}
