// Validated events before preprocessing, stored column-wise with interned strings so a few
// million rows cost typed arrays, not millions of objects. Each row remembers where it came
// from (file + line) so later stages can still report a precise location.
import { EVENT_TYPES, type EventType } from './types';
import type { RawEvent, RawItem, RawJudgment } from './schemas';
import type { Reject } from './rejects';

/** Maps strings to dense ids in order of first appearance. */
export class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  id(value: string): number {
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.index.set(value, id);
    }
    return id;
  }

  lookup(value: string): number | undefined {
    return this.index.get(value);
  }

  get size(): number {
    return this.values.length;
  }
}

class GrowableInt32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

class GrowableFloat64 {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Column views over the appended events; ids index the builder's interners (-1 = absent). */
export interface RawEventColumns {
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly ts: Float64Array;
  readonly type: Uint8Array;
  readonly session: Int32Array;
  readonly query: Int32Array;
  readonly position: Int32Array;
  readonly searchId: Int32Array;
  /** the optional magnitude columns, NaN where a row gave none; absent when no row gave one */
  readonly quantity?: Float64Array;
  readonly value?: Float64Array;
  readonly file: Int32Array;
  readonly line: Int32Array;
}

export class RawEventTable {
  readonly users = new Interner();
  readonly items = new Interner();
  readonly sessions = new Interner();
  readonly queries = new Interner();
  readonly searchIds = new Interner();
  readonly files = new Interner();
  private readonly cols = {
    user: new GrowableInt32(),
    item: new GrowableInt32(),
    ts: new GrowableFloat64(),
    type: new GrowableInt32(),
    session: new GrowableInt32(),
    query: new GrowableInt32(),
    position: new GrowableInt32(),
    searchId: new GrowableInt32(),
    quantity: new GrowableFloat64(),
    value: new GrowableFloat64(),
    file: new GrowableInt32(),
    line: new GrowableInt32(),
  };

  /** whether any appended row gave a quantity / value (the dataset carries the column only then) */
  private seen = { quantity: false, value: false };

  get length(): number {
    return this.cols.user.length;
  }

  append(event: AppendableEvent, file: string, line: number): void {
    const c = this.cols;
    c.user.push(this.users.id(event.user));
    c.item.push(this.items.id(event.item));
    c.ts.push(event.timestamp);
    c.type.push(EVENT_TYPES.indexOf(event.type as EventType));
    c.session.push(event.session === undefined ? -1 : this.sessions.id(event.session));
    c.query.push(event.query === undefined ? -1 : this.queries.id(event.query));
    c.position.push(event.position ?? -1);
    c.searchId.push(event.searchId === undefined ? -1 : this.searchIds.id(event.searchId));
    c.quantity.push(event.quantity ?? Number.NaN);
    c.value.push(event.value ?? Number.NaN);
    if (event.quantity !== undefined) this.seen.quantity = true;
    if (event.value !== undefined) this.seen.value = true;
    c.file.push(this.files.id(file));
    c.line.push(line);
  }

  columns(): RawEventColumns {
    const c = this.cols;
    return {
      length: this.length,
      user: c.user.view(),
      item: c.item.view(),
      ts: c.ts.view(),
      type: Uint8Array.from(c.type.view()),
      session: c.session.view(),
      query: c.query.view(),
      position: c.position.view(),
      searchId: c.searchId.view(),
      ...(this.seen.quantity ? { quantity: c.quantity.view() } : {}),
      ...(this.seen.value ? { value: c.value.view() } : {}),
      file: c.file.view(),
      line: c.line.view(),
    };
  }

  /** A readable reconstruction of row i for reject excerpts after the raw line is gone. */
  describe(i: number): string {
    const c = this.cols;
    const parts = [
      `user=${this.users.values[c.user.data[i]!]}`,
      `item=${this.items.values[c.item.data[i]!]}`,
      `type=${EVENT_TYPES[c.type.data[i]!]}`,
      `ts=${c.ts.data[i]}`,
    ];
    const s = c.session.data[i]!;
    if (s >= 0) parts.push(`session=${this.sessions.values[s]}`);
    const q = c.query.data[i]!;
    if (q >= 0) parts.push(`query=${JSON.stringify(this.queries.values[q])}`);
    const p = c.position.data[i]!;
    if (p >= 0) parts.push(`position=${p}`);
    if (!Number.isNaN(c.quantity.data[i]!)) parts.push(`quantity=${c.quantity.data[i]}`);
    if (!Number.isNaN(c.value.data[i]!)) parts.push(`value=${c.value.data[i]}`);
    return parts.join(' ');
  }

  /** A reject for row i, located at its source file and line. */
  rejectRow(i: number, reason: string, detail: string, field = ''): Reject {
    return {
      file: this.files.values[this.cols.file.data[i]!] as string,
      line: this.cols.line.data[i]!,
      field,
      reason,
      detail,
      excerpt: this.describe(i),
    };
  }
}

/** A validated event; the optional context fields may be left out by adapters that lack them. */
export type AppendableEvent = Pick<RawEvent, 'user' | 'item' | 'type' | 'timestamp'> &
  Partial<Pick<RawEvent, 'session' | 'query' | 'position' | 'searchId' | 'quantity' | 'value'>>;

export interface LocatedItem {
  readonly item: RawItem;
  readonly file: string;
  readonly line: number;
}

/** Everything an adapter produced: validated rows plus the rows it could not accept. */
export interface RawDataset {
  readonly name: string;
  /** the item table in file order (duplicates still present; preprocess dedupes) */
  readonly items: readonly LocatedItem[];
  /** true when the source has an item table (then events must reference known items) */
  readonly hasItemTable: boolean;
  readonly events: RawEventTable;
  readonly judgments: readonly RawJudgment[];
  readonly rejects: readonly Reject[];
  /** rows read per file, for the summary */
  readonly rowsRead: Readonly<Record<string, number>>;
  /** how source values were mapped (e.g. rating → event type), recorded in the manifest */
  readonly notes?: readonly string[];
  /** generic sources: per file, the columns Assay does not read */
  readonly unknownColumns?: Readonly<Record<string, readonly string[]>>;
}
