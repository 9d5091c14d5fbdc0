// Columns a generic source carries that Assay does not read. They are listed (by validate,
// and in the preprocess summary) instead of disappearing: a `quantity` or `store` column a
// user expected to matter should be visible as unread.
import { RawItemSchema, RawJudgmentSchema, rawEventSchema } from './schemas';

export const KNOWN_COLUMNS = {
  items: Object.keys(RawItemSchema.shape),
  events: Object.keys(rawEventSchema().shape),
  judgments: Object.keys(RawJudgmentSchema.shape),
} as const;

/** Collects, per file, the column names outside a table's known set, in first-seen order. */
export class UnknownColumns {
  private readonly byFile = new Map<string, Set<string>>();

  /** Records the keys of one row (a CSV header gives the same keys on every row). */
  observe(file: string, row: unknown, known: readonly string[]): void {
    if (row === null || typeof row !== 'object') return;
    for (const key of Object.keys(row)) {
      if (known.includes(key)) continue;
      let set = this.byFile.get(file);
      if (!set) this.byFile.set(file, (set = new Set()));
      set.add(key);
    }
  }

  toRecord(): Record<string, string[]> {
    return Object.fromEntries([...this.byFile].map(([file, set]) => [file, [...set]]));
  }
}
