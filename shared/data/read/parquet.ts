// Parquet rows through hyparquet (pure JS), read in bounded row batches so a large file is
// never materialized at once. Locations are 1-based row numbers in place of lines.
import { DataFileError, excerptOf } from '../rejects';
import { DEFAULT_MAX_FIELD_LENGTH } from './delimited';
import { findLongString, type JsonlRow } from './jsonl';
import { assertReadableNonEmpty } from './lines';

export interface ParquetOptions {
  readonly maxFieldLength?: number;
  /** rows decoded per batch */
  readonly batchRows?: number;
}

export async function* readParquet(file: string, options: ParquetOptions = {}): AsyncGenerator<JsonlRow> {
  await assertReadableNonEmpty(file);
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const maxField = options.maxFieldLength ?? DEFAULT_MAX_FIELD_LENGTH;
  const batch = options.batchRows ?? 10_000;
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new DataFileError(file, 'invalid-parquet', `not a readable Parquet file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const total = Number(metadata.num_rows);
  if (total === 0) throw new DataFileError(file, 'empty-file', 'Parquet file has 0 rows');
  for (let start = 0; start < total; start += batch) {
    const end = Math.min(total, start + batch);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end });
    for (let i = 0; i < rows.length; i++) {
      const line = start + i + 1;
      const value = normalizeRow(rows[i] as Record<string, unknown>);
      const raw = JSON.stringify(value);
      const long = findLongString(value, maxField, '');
      if (long) {
        yield {
          line,
          reject: { file, line, field: long.path, reason: 'field-too-long', detail: `field has ${long.length} chars, over maxFieldLength=${maxField}`, excerpt: excerptOf(raw) },
        };
        continue;
      }
      yield { line, value, raw };
    }
  }
}

/** INT64 columns arrive as BigInt; the schemas work on numbers (exact below 2^53). */
function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'bigint') out[key] = Number(value);
    else if (value instanceof Date) out[key] = value.toISOString();
    else out[key] = value;
  }
  return out;
}
