// One row stream for the three generic file formats, so loaders validate rows the same way
// whatever the container.
import type { Limits } from '../source-config';
import { readDelimited } from './delimited';
import { readJsonl, type JsonlRow } from './jsonl';
import { readParquet } from './parquet';
import { coerceCsvRow } from '../schemas';

export type RowFormat = 'jsonl' | 'csv' | 'parquet';

export interface RowReadOptions {
  readonly limits: Limits;
  readonly delimiter?: string;
  /** CSV: columns whose absence fails the file */
  readonly requiredColumns?: readonly string[];
  /** CSV: cells converted to numbers before validation */
  readonly numericFields?: readonly string[];
}

export async function* readRows(file: string, format: RowFormat, options: RowReadOptions): AsyncGenerator<JsonlRow> {
  const { maxFieldLength, maxLineBytes, maxHeaderBytes } = options.limits;
  if (format === 'jsonl') {
    yield* readJsonl(file, { maxFieldLength, maxLineBytes });
  } else if (format === 'parquet') {
    yield* readParquet(file, { maxFieldLength });
  } else {
    for await (const row of readDelimited(file, {
      delimiter: options.delimiter,
      requiredColumns: options.requiredColumns,
      maxFieldLength,
      maxLineBytes,
      maxHeaderBytes,
    })) {
      if ('reject' in row) yield row;
      else yield { line: row.line, value: coerceCsvRow(row.values, options.numericFields ?? []), raw: row.raw };
    }
  }
}
