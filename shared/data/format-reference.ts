// The generic input format (formats csv, jsonl, parquet) as data: the columns each table
// reads, their types and meaning. `assay spec` prints it and docs/data-format.md expands it;
// a test holds both to the schemas in schemas.ts, so the reference cannot drift from what
// the readers accept.
import { EVENT_TYPES } from './types';

export interface ColumnReference {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly meaning: string;
}

export interface TableReference {
  readonly table: 'events' | 'items' | 'judgments';
  readonly specPath: string;
  readonly required: boolean;
  readonly columns: readonly ColumnReference[];
}

export const FORMAT_REFERENCE: readonly TableReference[] = [
  {
    table: 'events', specPath: 'source.paths.events', required: true,
    columns: [
      { name: 'user', type: 'id (string or integer)', required: true, meaning: 'who acted' },
      { name: 'item', type: 'id (string or integer)', required: true, meaning: 'the item acted on; must be in the items table when one is given' },
      { name: 'type', type: EVENT_TYPES.join(' | '), required: true, meaning: 'strength of intent; purchase/cart/click are positives with graded relevance' },
      { name: 'timestamp', type: 'ISO 8601 with offset, or unix time', required: true, meaning: 'when; see "Timestamps"' },
      { name: 'session', type: 'string', required: false, meaning: 'session id; without it sessions are cut at 30 min gaps (preprocess.sessionGapSeconds)' },
      { name: 'query', type: 'string', required: false, meaning: 'the search query the event followed' },
      { name: 'position', type: 'integer ≥ 0', required: false, meaning: 'rank the item was shown at for the query' },
      { name: 'searchId', type: 'string', required: false, meaning: 'the search request the event belongs to (groups impressions with their clicks)' },
      { name: 'quantity', type: 'number ≥ 0', required: false, meaning: 'units in this line; finetune.exampleWeight "quantity" weighs training targets by it (log1p, mean 1, capped at 10)' },
      { name: 'value', type: 'number ≥ 0', required: false, meaning: 'money (or another magnitude) of this line; finetune.exampleWeight "value" weighs training targets by it' },
    ],
  },
  {
    table: 'items', specPath: 'source.paths.items', required: false,
    columns: [
      { name: 'id', type: 'id (string or integer)', required: true, meaning: 'the item id events refer to' },
      { name: 'title', type: 'string', required: false, meaning: 'item text (title, description, category path and brand feed the text model)' },
      { name: 'description', type: 'string', required: false, meaning: 'item text' },
      { name: 'categoryPath', type: "'A > B > C' (JSON/Parquet: also a list)", required: false, meaning: 'category path, broadest first' },
      { name: 'brand', type: 'string', required: false, meaning: 'item text' },
      { name: 'price', type: 'number ≥ 0', required: false, meaning: 'kept with the item (recommendations.jsonl lists it); with pretrain.encoder.priceBuckets, a model input (a learned vector per price bucket)' },
    ],
  },
  {
    table: 'judgments', specPath: 'source.paths.judgments', required: false,
    columns: [
      { name: 'query', type: 'string', required: true, meaning: 'a search query' },
      { name: 'item', type: 'id (string or integer)', required: true, meaning: 'a judged item' },
      { name: 'relevance', type: 'number ≥ 0', required: true, meaning: 'graded relevance (0 = irrelevant … 3 = exact)' },
    ],
  },
];

export const TIMESTAMP_RULES: readonly string[] = [
  'ISO 8601 with an explicit UTC offset: 2025-01-18T00:01:31Z or 2025-01-18 01:01:31+01:00',
  'ISO 8601 without an offset (a bare date 2025-01-18 is its midnight) only with source.timestamps.timeZone, an IANA name such as Europe/Paris or UTC',
  'unix time as a number: source.timestamps.unit seconds | milliseconds | auto (default; above 1e11 = milliseconds)',
  'rejected, with the reason: ambiguous dates (01/02/2025), impossible dates (2025-02-30), times before 1990 or in the future',
];

/** The spec switches that turn optional columns into model inputs. */
export const FEATURE_SWITCHES: readonly { readonly path: string; readonly meaning: string }[] = [
  { path: 'finetune.exampleWeight "quantity" | "value"', meaning: 'weighs each fine-tuning target by the column: log1p(x) over its mean, capped at 10; 1 where a row has none (default "none")' },
  { path: 'pretrain.encoder.priceBuckets N (2-64)', meaning: 'item price as a feature: N quantile buckets (+1 for no price), a learned vector each, added to the item embedding (default off)' },
];

/** The reference as plain text for the terminal. */
export function formatReferenceText(): string {
  const lines: string[] = ['Generic input (source.format csv | jsonl | parquet; a file\'s extension decides its reader):', ''];
  for (const t of FORMAT_REFERENCE) {
    lines.push(`${t.table} — ${t.specPath} (${t.required ? 'required' : 'optional'})`);
    const width = Math.max(...t.columns.map((c) => c.name.length));
    for (const c of t.columns) lines.push(`  ${c.name.padEnd(width)}  ${c.required ? 'required' : 'optional'}  ${c.type} — ${c.meaning}`);
    lines.push('');
  }
  lines.push('Timestamps:', ...TIMESTAMP_RULES.map((r) => `  - ${r}`), '');
  lines.push('Other columns are not read; `assay validate` and the preprocess summary list them.');
  lines.push(...FEATURE_SWITCHES.map((f) => `${f.path}: ${f.meaning}`));
  lines.push('Catalogue items no event mentions are pruned (preprocess.pruneItemsWithoutEvents); preprocess.maxItems keeps the N most frequent.');
  lines.push('Full reference: docs/data-format.md · example: specs/generic-csv.json');
  return lines.join('\n');
}
