// Several batches in one encoder call: their rows one block after another, each block its own
// [batch × len] layout (pretraining's item windows and item texts, which differ in length). The
// row-wise ops and the products see one tall matrix, so the shared weights get one gradient
// each instead of one per batch summed by an Add, and each op runs once instead of twice; only
// the ops that read a row's neighbours (input positions, attention) go block by block.

/** One block: `batch` left-padded sequences of `len` positions. */
export interface RowBlock {
  readonly batch: number;
  readonly len: number;
}

/** Each block's first row, and the rows of all of them. */
export function blockStarts(blocks: readonly RowBlock[]): { starts: number[]; rows: number } {
  const starts: number[] = [];
  let rows = 0;
  for (const { batch, len } of blocks) {
    starts.push(rows);
    rows += batch * len;
  }
  return { starts, rows };
}
