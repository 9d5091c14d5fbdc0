// A row subset of an interaction table, column by column: every typed-array column the table
// carries (optional ones included) is gathered, so a column added to InteractionTable later
// cannot be dropped here by omission.
import type { InteractionTable } from './types';

type Column = Int32Array | Float32Array | Float64Array | Uint8Array;

function isColumn(value: unknown): value is Column {
  return value instanceof Int32Array || value instanceof Float32Array || value instanceof Float64Array || value instanceof Uint8Array;
}

/** The rows `rows` of `table`, in that order (indices must be in [0, table.length)). */
export function takeRows(table: InteractionTable, rows: Int32Array): InteractionTable {
  const out: Record<string, unknown> = { length: rows.length };
  for (const [name, value] of Object.entries(table)) {
    if (name === 'length') continue;
    if (!isColumn(value)) throw new Error(`takeRows: column ${name} is not a typed array; teach take-rows.ts how to subset it`);
    const column = new (value.constructor as new (n: number) => Column)(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const j = rows[k] as number;
      if (j < 0 || j >= table.length) throw new Error(`takeRows: row ${j} is outside the table's ${table.length} rows`);
      column[k] = value[j] as number;
    }
    out[name] = column;
  }
  return out as unknown as InteractionTable;
}
