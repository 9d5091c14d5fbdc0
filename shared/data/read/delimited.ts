// CSV/TSV rows per RFC 4180 (quoted fields, "" escapes, line breaks inside quotes), streamed
// record by record. Also reads RecBole atomic headers (`user_id:token`), keeping the name.
import { clipText } from '../bounded-text';
import { DataFileError, excerptOf, type Reject } from '../rejects';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_LINE_BYTES, readLines } from './lines';

export interface DelimitedOptions {
  readonly delimiter?: string; // default: '\t' for .tsv/.inter/.item/.user, else ','
  /** columns that must be present in the header; a missing one fails the whole file */
  readonly requiredColumns?: readonly string[];
  readonly maxFieldLength?: number;
  readonly maxLineBytes?: number;
  /** a longer header line fails the file before any row is read */
  readonly maxHeaderBytes?: number;
}

/** how much of the column list a message quotes; the count is always given in full */
const COLUMN_LIST_CHARS = 300;

function columnList(header: readonly string[]): string {
  return clipText(header.join(', '), COLUMN_LIST_CHARS);
}

export const DEFAULT_MAX_FIELD_LENGTH = 1024 * 1024;

export type DelimitedRow =
  | { readonly line: number; readonly values: Readonly<Record<string, string>>; readonly raw: string }
  | { readonly line: number; readonly reject: Reject };

/** RecBole atomic-file field types: `name:type`. */
const RECBOLE_TYPES = new Set(['token', 'token_seq', 'float', 'float_seq']);

export function columnName(headerCell: string): string {
  const cell = headerCell.trim();
  const colon = cell.lastIndexOf(':');
  if (colon > 0 && RECBOLE_TYPES.has(cell.slice(colon + 1))) return cell.slice(0, colon);
  return cell;
}

export function defaultDelimiter(file: string): string {
  return /\.(tsv|inter|item|user)(\.gz)?$/i.test(file) ? '\t' : ',';
}

export async function* readDelimited(file: string, options: DelimitedOptions = {}): AsyncGenerator<DelimitedRow> {
  const delimiter = options.delimiter ?? defaultDelimiter(file);
  const maxField = options.maxFieldLength ?? DEFAULT_MAX_FIELD_LENGTH;
  let header: string[] | undefined;

  const limits = { maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES };
  for await (const record of readRecords(file, delimiter, limits)) {
    if ('reject' in record) {
      if (!header) throw new DataFileError(file, record.reject.reason, `header line unreadable: ${record.reject.detail}`, record.line);
      yield record;
      continue;
    }
    if (!header) {
      if (record.raw.includes('\r')) {
        throw new DataFileError(
          file,
          'cr-line-breaks',
          'the header line contains a carriage return: the file uses CR-only line breaks (classic Mac) — convert them to LF or CRLF',
          record.line,
        );
      }
      header = record.fields.map(columnName);
      const missing = (options.requiredColumns ?? []).filter((c) => !header!.includes(c));
      if (missing.length > 0) {
        throw new DataFileError(
          file,
          'missing-column',
          `missing required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}; ` +
            `header found: [${columnList(header)}] (delimiter ${JSON.stringify(delimiter)}) — rename the column or fix the delimiter`,
          record.line,
        );
      }
      continue;
    }
    if (record.fields.length === 1 && record.fields[0] === '') continue; // blank line
    const reject = (field: string, reason: string, detail: string): DelimitedRow => ({
      line: record.line,
      reject: { file, line: record.line, field, reason, detail, excerpt: excerptOf(record.raw) },
    });
    if (record.fields.length !== header.length) {
      yield reject('', 'wrong-column-count', `expected ${header.length} fields (${columnList(header)}), found ${record.fields.length}`);
      continue;
    }
    const long = record.fields.findIndex((f) => f.length > maxField);
    if (long >= 0) {
      yield reject(header[long] as string, 'field-too-long', `field has ${record.fields[long]!.length} chars, over maxFieldLength=${maxField}`);
      continue;
    }
    const values: Record<string, string> = {};
    header.forEach((name, i) => (values[name] = record.fields[i] as string));
    yield { line: record.line, values, raw: record.raw };
  }
  if (!header) throw new DataFileError(file, 'empty-file', 'file has no header line — expected column names on line 1');
}

type RawRecord =
  | { readonly line: number; readonly fields: string[]; readonly raw: string }
  | { readonly line: number; readonly reject: Reject };

/** Splits physical lines into records, joining lines while a quoted field is open. */
async function* readRecords(
  file: string,
  delimiter: string,
  { maxLineBytes, maxHeaderBytes }: { maxLineBytes: number; maxHeaderBytes: number },
): AsyncGenerator<RawRecord> {
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  let raw = '';

  for await (const physical of readLines(file, { maxLineBytes, firstLine: { maxBytes: maxHeaderBytes, setting: 'limits.maxHeaderBytes' } })) {
    if ('error' in physical) {
      // a broken line inside an open quoted record breaks the whole record
      const line = inQuotes ? startLine : physical.line;
      fields = [];
      field = '';
      inQuotes = false;
      yield { line, reject: { file, line, field: '', reason: physical.error, detail: physical.detail, excerpt: physical.excerpt } };
      continue;
    }
    const text = physical.text;
    if (!inQuotes) {
      startLine = physical.line;
      raw = text;
    } else {
      field += '\n';
      raw += `\n${text}`;
      if (raw.length > maxLineBytes) {
        // a runaway quote would otherwise pull the rest of the file into one record
        yield {
          line: startLine,
          reject: { file, line: startLine, field: '', reason: 'unclosed-quote', detail: `quoted field still open after ${raw.length} chars (maxLineBytes=${maxLineBytes})`, excerpt: excerptOf(raw) },
        };
        fields = [];
        field = '';
        inQuotes = false;
        continue;
      }
    }
    let i = 0;
    while (i < text.length) {
      if (inQuotes) {
        const quote = text.indexOf('"', i);
        if (quote === -1) {
          field += text.slice(i);
          i = text.length;
        } else if (text[quote + 1] === '"') {
          field += text.slice(i, quote + 1);
          i = quote + 2;
        } else {
          field += text.slice(i, quote);
          inQuotes = false;
          i = quote + 1;
        }
      } else if (text[i] === '"' && field.length === 0) {
        inQuotes = true;
        i++;
      } else {
        // unquoted run: copy up to the next delimiter in one slice
        const next = text.indexOf(delimiter, i);
        if (next === -1) {
          field += text.slice(i);
          i = text.length;
        } else {
          field += text.slice(i, next);
          fields.push(field);
          field = '';
          i = next + 1;
        }
      }
    }
    if (inQuotes) continue;
    fields.push(field);
    yield { line: startLine, fields, raw };
    fields = [];
    field = '';
  }
  if (inQuotes) {
    yield {
      line: startLine,
      reject: { file, line: startLine, field: '', reason: 'unclosed-quote', detail: 'a quoted field is never closed before end of file', excerpt: excerptOf(raw) },
    };
  }
}
