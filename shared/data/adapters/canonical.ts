// Files already in Assay's canonical field names (JSONL, CSV or Parquet): items
// {id,title,description,categoryPath,brand,price}, events {user,item,type,timestamp,session,
// query,position,searchId,quantity,value}, judgments {query,item,relevance}. The synthetic generator writes
// this shape too.
import { boundedReject, DataFileError, type Reject } from '../rejects';
import { RawEventTable, type LocatedItem, type RawDataset } from '../raw-events';
import { readRows, type RowFormat } from '../read/rows';
import { RawItemSchema, RawJudgmentSchema, rawEventSchema, validateRow, type RawJudgment } from '../schemas';
import type { Limits } from '../source-config';
import type { TimestampSettings } from '../timestamps';
import { KNOWN_COLUMNS, UnknownColumns } from '../unknown-columns';

export interface CanonicalSource {
  readonly name: string;
  readonly format: RowFormat;
  readonly paths: { readonly events: string; readonly items?: string; readonly judgments?: string };
  readonly limits: Limits;
  readonly delimiter?: string;
  readonly nowSeconds?: number;
  readonly timestamps?: TimestampSettings;
}

export async function loadCanonical(source: CanonicalSource): Promise<RawDataset> {
  const rejects: Reject[] = [];
  const rowsRead: Record<string, number> = {};
  const common = { limits: source.limits, delimiter: source.delimiter };
  const unknownColumns = new UnknownColumns();

  const items: LocatedItem[] = [];
  if (source.paths.items) {
    const file = source.paths.items;
    rowsRead[file] = await collect(file, rejects, async (onRow) => {
      for await (const row of readRows(file, formatOf(file, source.format), { ...common, requiredColumns: ['id'], numericFields: ['price'] })) {
        onRow();
        if ('reject' in row) { rejects.push(row.reject); continue; }
        unknownColumns.observe(file, row.value, KNOWN_COLUMNS.items);
        const parsed = validateRow(RawItemSchema, row.value, { file, line: row.line, raw: row.raw });
        if (parsed.ok) items.push({ item: parsed.data, file, line: row.line });
        else rejects.push(parsed.reject);
      }
    });
  }
  const known = source.paths.items ? new Set(items.map((i) => i.item.id)) : undefined;

  const events = new RawEventTable();
  const schema = rawEventSchema({ nowSeconds: source.nowSeconds, timestamps: source.timestamps });
  const file = source.paths.events;
  rowsRead[file] = await collect(file, rejects, async (onRow) => {
    for await (const row of readRows(file, formatOf(file, source.format), {
      ...common,
      requiredColumns: ['user', 'item', 'type', 'timestamp'],
      numericFields: ['position', 'quantity', 'value'],
    })) {
      onRow();
      if ('reject' in row) { rejects.push(row.reject); continue; }
      unknownColumns.observe(file, row.value, KNOWN_COLUMNS.events);
      const parsed = validateRow(schema, row.value, { file, line: row.line, raw: row.raw });
      if (!parsed.ok) { rejects.push(parsed.reject); continue; }
      if (known && !known.has(parsed.data.item)) {
        rejects.push(boundedReject({ file, line: row.line, field: 'item', reason: 'unknown-item', detail: `item '${parsed.data.item}' is not in the item table ${source.paths.items}`, excerpt: row.raw }));
        continue;
      }
      events.append(parsed.data, file, row.line);
      if (source.limits.maxEvents !== undefined && events.length >= source.limits.maxEvents) break;
    }
  });

  const judgments: RawJudgment[] = [];
  if (source.paths.judgments) {
    const jfile = source.paths.judgments;
    rowsRead[jfile] = await collect(jfile, rejects, async (onRow) => {
      for await (const row of readRows(jfile, formatOf(jfile, source.format), { ...common, requiredColumns: ['query', 'item', 'relevance'], numericFields: ['relevance'] })) {
        onRow();
        if ('reject' in row) { rejects.push(row.reject); continue; }
        unknownColumns.observe(jfile, row.value, KNOWN_COLUMNS.judgments);
        const parsed = validateRow(RawJudgmentSchema, row.value, { file: jfile, line: row.line, raw: row.raw });
        if (parsed.ok) judgments.push(parsed.data);
        else rejects.push(parsed.reject);
      }
    });
  }

  return { name: source.name, items, hasItemTable: source.paths.items !== undefined, events, judgments, rejects, rowsRead, unknownColumns: unknownColumns.toRecord() };
}

/**
 * Runs a file's read loop, counting rows. A truncated gzip keeps the rows read before the
 * break and logs the break as a whole-file reject; every other file error propagates.
 */
export async function collect(file: string, rejects: Reject[], loop: (onRow: () => void) => Promise<void>): Promise<number> {
  let rows = 0;
  try {
    await loop(() => rows++);
  } catch (err) {
    if (err instanceof DataFileError && err.reason === 'truncated-gzip') {
      rejects.push({ file, line: err.line ?? 0, field: '', reason: err.reason, detail: err.message, excerpt: `byte offset ${err.byteOffset}` });
    } else throw err;
  }
  return rows;
}

/** A file's extension decides its container (items.csv next to events.jsonl is fine); else the configured format. */
export function formatOf(path: string, fallback: RowFormat): RowFormat {
  if (/\.(jsonl|ndjson)(\.gz)?$/i.test(path)) return 'jsonl';
  if (/\.parquet$/i.test(path)) return 'parquet';
  if (/\.(csv|tsv)(\.gz)?$/i.test(path)) return 'csv';
  return fallback;
}
