// The raw records Assay accepts, as zod schemas: the single source of truth for field names,
// types and ranges. Readers hand rows to these; every failure becomes a Reject with a reason.
import { z } from 'zod';
import { EVENT_TYPES } from './types';
import { boundedReject, type Reject } from './rejects';
import { parseTimestamp, type TimestampSettings } from './timestamps';

/** Ids arrive as strings (CSV, JSON) or integers (Parquet, JSON); both mean the same id. */
const idSchema = z.union([z.string().trim().min(1, 'id is empty'), z.number().int()]).transform((v) => String(v));
const optionalText = z.string().nullish().transform((v) => v ?? undefined);

export const RawItemSchema = z.object({
  id: idSchema,
  title: z.string().nullish().transform((v) => v ?? ''),
  description: optionalText,
  /** 'Beauty > Skin > Cream' or ['Beauty', 'Skin', 'Cream'] */
  categoryPath: z
    .union([z.array(z.string()), z.string()])
    .nullish()
    .transform((v) => (v == null ? [] : Array.isArray(v) ? v : v.split('>').map((s) => s.trim()).filter((s) => s.length > 0))),
  brand: optionalText,
  price: z.number().nonnegative('price must be ≥ 0').nullish().transform((v) => v ?? undefined),
});
export type RawItem = z.infer<typeof RawItemSchema>;

/** Earliest accepted event time: nothing in e-commerce logs predates 1990; older means a unit or parsing bug. */
export const MIN_EVENT_TIME_S = Date.UTC(1990, 0, 1) / 1000;
export interface EventSchemaOptions {
  /** unix seconds; later timestamps are rejected as future. Default: the clock at call time. */
  readonly nowSeconds?: number;
  /** how epoch numbers and offset-less ISO times are read; default: unit by magnitude, offsets required */
  readonly timestamps?: TimestampSettings;
}

const AUTO_TIMESTAMPS: TimestampSettings = { unit: 'auto' };

/** Unix seconds from an epoch number or a strict ISO-8601 string; rejects the future and pre-1990. */
export function timestampSchema(nowSeconds: number, settings: TimestampSettings = AUTO_TIMESTAMPS) {
  return z.union([z.number(), z.string().trim().min(1)]).transform((value, ctx) => {
    const parsed = parseTimestamp(value, settings);
    if (!parsed.ok) {
      ctx.issues.push({ code: 'custom', message: parsed.message, input: value, params: { reason: parsed.reason } });
      return z.NEVER;
    }
    const seconds = parsed.seconds;
    if (seconds > nowSeconds) {
      const unit = typeof value === 'number' || /^-?\d/.test(value) ? ` — check its unit (source.timestamps.unit is ${settings.unit})` : '';
      ctx.issues.push({ code: 'custom', message: `timestamp ${new Date(seconds * 1000).toISOString()} is in the future (now ${new Date(nowSeconds * 1000).toISOString()})${unit}`, input: value, params: { reason: 'future-timestamp' } });
      return z.NEVER;
    }
    if (seconds < MIN_EVENT_TIME_S) {
      ctx.issues.push({ code: 'custom', message: `timestamp ${JSON.stringify(value)} is before 1990-01-01 — check its unit (seconds vs ms)`, input: value, params: { reason: 'timestamp-before-1990' } });
      return z.NEVER;
    }
    return seconds;
  });
}

/** An optional magnitude usable as an example weight: a finite number ≥ 0 (NaN and junk are wrong-type). */
function exampleWeightColumn(name: string) {
  return z.number().nonnegative(`${name} must be ≥ 0`).nullish().transform((v) => v ?? undefined);
}

export function rawEventSchema(options: EventSchemaOptions = {}) {
  const now = options.nowSeconds ?? Date.now() / 1000;
  return z.object({
    user: idSchema,
    item: idSchema,
    type: z.enum(EVENT_TYPES),
    timestamp: timestampSchema(now, options.timestamps),
    session: z.union([z.string(), z.number()]).nullish().transform((v) => (v == null || v === '' ? undefined : String(v))),
    query: optionalText.transform((v) => (v === '' ? undefined : v)),
    position: z.number().int().nonnegative().nullish().transform((v) => v ?? undefined),
    /** the search request the event belongs to (UBI query_id): groups impressions with their clicks */
    searchId: optionalText,
    /** units bought (or viewed) in this line; finetune.exampleWeight can weigh the event by it */
    quantity: exampleWeightColumn('quantity'),
    /** money (or any other magnitude) of this line; finetune.exampleWeight can weigh the event by it */
    value: exampleWeightColumn('value'),
  });
}
export type RawEvent = z.output<ReturnType<typeof rawEventSchema>>;

/** A graded relevance judgment of an item for a search query (e.g. ESCI). */
export const RawJudgmentSchema = z.object({
  query: z.string().trim().min(1, 'query is empty'),
  item: idSchema,
  relevance: z.number().nonnegative(),
});
export type RawJudgment = z.infer<typeof RawJudgmentSchema>;

export interface RowOrigin {
  readonly file: string;
  readonly line: number;
  readonly raw: string;
}

/** Parses one row; the first issue becomes the reject (field path + reason code + message). */
export function validateRow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  origin: RowOrigin,
): { ok: true; data: z.output<S> } | { ok: false; reject: Reject } {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0]!;
  return {
    ok: false,
    reject: boundedReject({
      file: origin.file,
      line: origin.line,
      field: issue.path.map(String).join('.'),
      reason: reasonOf(issue),
      detail: issue.message,
      excerpt: origin.raw,
    }),
  };
}

function reasonOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'missing-field' : 'wrong-type';
    case 'invalid_union':
      return (issue as { input?: unknown }).input === undefined ? 'missing-field' : 'wrong-type';
    case 'too_small':
    case 'too_big':
      return 'out-of-range';
    case 'invalid_value':
      return 'invalid-value';
    case 'custom':
      return (issue.params?.reason as string | undefined) ?? 'invalid-value';
    default:
      return issue.code;
  }
}

/** CSV cells are strings; numeric schema fields are converted first ('' → absent, junk → NaN → wrong-type). */
export function coerceCsvRow(values: Readonly<Record<string, string>>, numericFields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const key of numericFields) {
    const cell = values[key];
    if (cell === undefined) continue;
    out[key] = cell.trim() === '' ? undefined : Number(cell);
  }
  return out;
}
