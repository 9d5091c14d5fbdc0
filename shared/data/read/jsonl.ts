// JSON Lines (plain or gzip), one object per line, streamed; a bad line becomes a reject.
import { excerptOf, type Reject } from '../rejects';
import { DEFAULT_MAX_FIELD_LENGTH } from './delimited';
import { DEFAULT_MAX_LINE_BYTES, readLines } from './lines';

export interface JsonlOptions {
  readonly maxFieldLength?: number;
  readonly maxLineBytes?: number;
}

export type JsonlRow =
  | { readonly line: number; readonly value: Record<string, unknown>; readonly raw: string }
  | { readonly line: number; readonly reject: Reject };

export async function* readJsonl(file: string, options: JsonlOptions = {}): AsyncGenerator<JsonlRow> {
  const maxField = options.maxFieldLength ?? DEFAULT_MAX_FIELD_LENGTH;
  for await (const physical of readLines(file, { maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES })) {
    const { line } = physical;
    if ('error' in physical) {
      yield { line, reject: { file, line, field: '', reason: physical.error, detail: physical.detail, excerpt: physical.excerpt } };
      continue;
    }
    const raw = physical.text;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const detail = `not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
      yield { line, reject: { file, line, field: '', reason: 'invalid-json', detail, excerpt: excerptOf(raw) } };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, reject: { file, line, field: '', reason: 'not-an-object', detail: 'each line must be one JSON object', excerpt: excerptOf(raw) } };
      continue;
    }
    const long = findLongString(value, maxField, '');
    if (long) {
      yield {
        line,
        reject: { file, line, field: long.path, reason: 'field-too-long', detail: `field has ${long.length} chars, over maxFieldLength=${maxField}`, excerpt: excerptOf(raw) },
      };
      continue;
    }
    yield { line, value: value as Record<string, unknown>, raw };
  }
}

/** First string (depth-first) longer than max, with its dotted path. */
export function findLongString(value: unknown, max: number, path: string): { path: string; length: number } | undefined {
  if (typeof value === 'string') return value.length > max ? { path, length: value.length } : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = findLongString(child, max, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return undefined;
}
