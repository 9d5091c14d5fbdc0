// A search ranking task in index form: a catalogue of items with text, query texts, logged
// searches (what was shown for a query and how each shown item was answered) and graded
// query → item relevance for evaluation. Both the synthetic generator and the ESCI/UBI sample
// are turned into the same records and checked here once; a record that cannot be used (a query
// without text, an item the catalogue does not hold) is left out and reported with its place,
// and the rest is kept.

/** Rows of (item, gain) lists: row r is [start[r], start[r+1]). */
export interface GainLists {
  readonly start: Int32Array;
  readonly item: Int32Array;
  readonly gain: Float32Array;
}

export interface SearchTask {
  readonly itemIds: readonly string[];
  readonly itemTexts: readonly string[];
  readonly queryTexts: readonly string[];
  /** one row per logged search; searchQuery[s] indexes queryTexts */
  readonly searches: GainLists;
  readonly searchQuery: Int32Array;
  /** one row per query: items with relevance > 0 (graded); unjudged items count as 0 */
  readonly judgments: GainLists;
}

export interface SearchItemRecord {
  readonly id: string;
  readonly text: string;
}

export interface LoggedSearchRecord {
  readonly query: string;
  /** shown / touched items with their gain (0 = shown, not taken up) */
  readonly results: readonly { readonly item: string; readonly gain: number }[];
  /** where the record came from, for error messages (e.g. "events.jsonl search Q0000012") */
  readonly source: string;
}

export interface JudgmentRecord {
  readonly query: string;
  readonly item: string;
  readonly gain: number;
  readonly source: string;
}

export interface SearchReject {
  readonly source: string;
  readonly reason: 'empty-query' | 'unknown-item' | 'bad-gain' | 'empty-item-text' | 'duplicate-item';
  readonly detail: string;
}

export class SearchInputError extends Error {
  override readonly name = 'SearchInputError';
}

/** True when the text holds something a text model or BM25 can read. */
export function hasSearchText(text: string | undefined): text is string {
  return text !== undefined && /[\p{L}\p{N}]/u.test(text);
}

export function buildSearchTask(
  items: readonly SearchItemRecord[],
  searches: readonly LoggedSearchRecord[],
  judgments: readonly JudgmentRecord[],
): { task: SearchTask; rejects: SearchReject[] } {
  const rejects: SearchReject[] = [];
  const itemIds: string[] = [];
  const itemTexts: string[] = [];
  const itemIndex = new Map<string, number>();
  items.forEach((record, i) => {
    const source = `items[${i}] (${record.id})`;
    if (itemIndex.has(record.id)) return void rejects.push({ source, reason: 'duplicate-item', detail: `item '${record.id}' is listed twice; the first text is kept` });
    if (!hasSearchText(record.text)) return void rejects.push({ source, reason: 'empty-item-text', detail: `item '${record.id}' has no text to rank it by` });
    itemIndex.set(record.id, itemIds.length);
    itemIds.push(record.id);
    itemTexts.push(record.text);
  });
  if (itemIds.length === 0) throw new SearchInputError('search task: no item with text in the catalogue; nothing can be ranked');

  const queryTexts: string[] = [];
  const queryIndex = new Map<string, number>();
  const queryOf = (text: string): number => {
    let q = queryIndex.get(text);
    if (q === undefined) {
      q = queryTexts.length;
      queryIndex.set(text, q);
      queryTexts.push(text);
    }
    return q;
  };

  const searchRows: { query: number; items: number[]; gains: number[] }[] = [];
  for (const search of searches) {
    if (!hasSearchText(search.query)) {
      rejects.push({ source: search.source, reason: 'empty-query', detail: `query ${JSON.stringify(search.query)} has no text; its ${search.results.length} results are left out` });
      continue;
    }
    const gains = new Map<number, number>();
    for (const result of search.results) {
      const item = itemIndex.get(result.item);
      if (item === undefined) {
        rejects.push({ source: search.source, reason: 'unknown-item', detail: `item '${result.item}' is not in the catalogue of ${itemIds.length} items with text` });
        continue;
      }
      if (!Number.isFinite(result.gain) || result.gain < 0) {
        rejects.push({ source: search.source, reason: 'bad-gain', detail: `gain ${result.gain} of item '${result.item}' is not a finite number ≥ 0` });
        continue;
      }
      gains.set(item, Math.max(gains.get(item) ?? 0, result.gain));
    }
    if (gains.size === 0) continue;
    searchRows.push({ query: queryOf(search.query), items: [...gains.keys()], gains: [...gains.values()] });
  }

  const judged = new Map<number, Map<number, number>>();
  for (const judgment of judgments) {
    if (!hasSearchText(judgment.query)) {
      rejects.push({ source: judgment.source, reason: 'empty-query', detail: `judged query ${JSON.stringify(judgment.query)} has no text` });
      continue;
    }
    const item = itemIndex.get(judgment.item);
    if (item === undefined) {
      rejects.push({ source: judgment.source, reason: 'unknown-item', detail: `judged item '${judgment.item}' is not in the catalogue of ${itemIds.length} items with text` });
      continue;
    }
    if (!Number.isFinite(judgment.gain) || judgment.gain < 0) {
      rejects.push({ source: judgment.source, reason: 'bad-gain', detail: `gain ${judgment.gain} is not a finite number ≥ 0` });
      continue;
    }
    if (judgment.gain === 0) continue;
    const q = queryOf(judgment.query);
    const row = judged.get(q) ?? new Map<number, number>();
    row.set(item, Math.max(row.get(item) ?? 0, judgment.gain));
    judged.set(q, row);
  }

  const searchesCsr = toGainLists(searchRows.map((row) => [row.items, row.gains]));
  const judgmentsCsr = toGainLists(queryTexts.map((_, q) => {
    const row = judged.get(q);
    return row ? [[...row.keys()], [...row.values()]] : [[], []];
  }));
  return {
    task: { itemIds, itemTexts, queryTexts, searches: searchesCsr, searchQuery: Int32Array.from(searchRows, (row) => row.query), judgments: judgmentsCsr },
    rejects,
  };
}

function toGainLists(rows: readonly (readonly [readonly number[], readonly number[]])[]): GainLists {
  const start = new Int32Array(rows.length + 1);
  rows.forEach(([items], r) => (start[r + 1] = start[r]! + items.length));
  const item = new Int32Array(start[rows.length]!);
  const gain = new Float32Array(start[rows.length]!);
  rows.forEach(([items, gains], r) => {
    item.set(items, start[r]!);
    gain.set(gains, start[r]!);
  });
  return { start, item, gain };
}

/** Judgments of a query as (item, gain) views. */
export function judgedItems(task: SearchTask, query: number): { items: Int32Array; gains: Float32Array } {
  const { start, item, gain } = task.judgments;
  return { items: item.subarray(start[query]!, start[query + 1]!), gains: gain.subarray(start[query]!, start[query + 1]!) };
}
