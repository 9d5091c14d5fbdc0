// Every input row that does not reach the output is kept here with its location and the
// reason, so a data engineer can fix the source instead of guessing what was dropped.
import { z } from 'zod';
import { clipText, MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS } from './bounded-text';

export const RejectSchema = z.object({
  /** the source file (path as configured) */
  file: z.string(),
  /** 1-based line of the row's first physical line (CSV records may span lines); 0 = whole file */
  line: z.number().int().nonnegative(),
  /** the field that failed ('' when the row as a whole failed) */
  field: z.string(),
  /** short stable code, e.g. 'wrong-type', 'unknown-item', 'duplicate-event' */
  reason: z.string(),
  /** human-readable detail: what was wrong and what was expected */
  detail: z.string(),
  /** the start of the raw row, truncated */
  excerpt: z.string(),
});
export type Reject = z.infer<typeof RejectSchema>;

export const EXCERPT_CHARS = 200;

export function excerptOf(raw: string): string {
  return clipText(raw, EXCERPT_CHARS);
}

/** The reject with every text field clipped, so no source value of any size is carried along. */
export function boundedReject(reject: Reject): Reject {
  return {
    ...reject,
    file: clipText(reject.file, MAX_DETAIL_CHARS),
    field: clipText(reject.field, MAX_DETAIL_CHARS),
    reason: clipText(reject.reason, EXCERPT_CHARS),
    detail: clipText(reject.detail, MAX_DETAIL_CHARS),
    excerpt: excerptOf(reject.excerpt),
  };
}

/** Rejects in arrival order plus a per-reason count. */
export class RejectLog {
  readonly rows: Reject[] = [];
  private readonly counts = new Map<string, number>();

  add(reject: Reject): void {
    this.rows.push(boundedReject(reject));
    this.counts.set(reject.reason, (this.counts.get(reject.reason) ?? 0) + 1);
  }

  addAll(rejects: Iterable<Reject>): void {
    for (const r of rejects) this.add(r);
  }

  get size(): number {
    return this.rows.length;
  }

  /** reason → count, keys sorted so the summary serializes identically every run */
  countsByReason(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of [...this.counts.keys()].sort()) out[key] = this.counts.get(key) as number;
    return out;
  }
}

/**
 * A problem with a whole input file (missing, empty, missing columns, truncated) — the
 * caller cannot read rows from it, so it is raised rather than logged per row.
 */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    message: string,
    /** 1-based line where reading stopped, when known */
    readonly line?: number,
    /** byte offset reached in the file when reading stopped, when known */
    readonly byteOffset?: number,
  ) {
    super(`${clipText(file, MAX_DETAIL_CHARS)}${line ? `:${line}` : ''}: ${clipText(message, MAX_MESSAGE_CHARS)}`);
    this.name = 'DataFileError';
  }
}
