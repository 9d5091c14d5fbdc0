// The lineage writes of one step attempt, applied in order, that outlast a database outage.
// A step must not fail because Postgres is down while it trains: its writes queue here and
// are retried with backoff until the database answers (or the retry budget is spent). Every
// lineage write is idempotent (upserts keyed by run/step/attempt, artifact uri, metric
// identity), so a write retried after a connection dropped mid-commit adds no duplicate row.
import type { Database } from '../shared/db/open-database';

/** Error codes of a database that cannot be reached, is restarting or dropped the connection. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // postgres.js
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  // Postgres: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
  '57P01', '57P02', '57P03', '53300',
]);

/** True when the error (or one of its causes) says the database is unreachable, not that the write is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}

export interface JournalOptions {
  /** the database handle; called again after a failure, so a reconnect can happen */
  open: () => Promise<Database>;
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** how long a write keeps retrying an unavailable database before it is given up */
  budgetMs: number;
  /** told once per outage, so a worker log says why a step is waiting */
  onUnavailable?: (err: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class LineageJournal {
  private tail: Promise<void> = Promise.resolve();
  private firstFailure: { what: string; err: unknown } | undefined;
  private pending = 0;
  private outage = false;

  constructor(private readonly options: JournalOptions) {}

  /** Writes queued and not yet applied. */
  get queued(): number {
    return this.pending;
  }

  /** Queues a write whose result a later write needs (a step attempt's id). */
  value<T>(what: string, write: (db: Database) => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(() => this.apply(write)).finally(() => { this.pending--; });
    this.tail = result.then(() => undefined, (err: unknown) => { this.firstFailure ??= { what, err }; });
    // Handled here so a failure is reported by flush(), not as an unhandled rejection.
    result.catch(() => undefined);
    return result;
  }

  /** Queues a write; the caller does not wait for it. */
  enqueue(what: string, write: (db: Database) => Promise<unknown>): void {
    void this.value(what, write);
  }

  /**
   * Resolves once every queued write is applied; rejects with the first write that failed for
   * a reason other than an outage (a bug or a constraint), or whose outage outlasted the budget.
   */
  async flush(): Promise<void> {
    await this.tail;
    if (this.firstFailure) {
      const { what, err } = this.firstFailure;
      throw new Error(`lineage write "${what}" failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private async apply<T>(write: (db: Database) => Promise<T>): Promise<T> {
    const now = this.options.now ?? Date.now;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = now() + this.options.budgetMs;
    for (let wait = this.options.initialIntervalMs; ; wait = Math.min(wait * 2, this.options.maximumIntervalMs)) {
      try {
        const result = await write(await this.options.open());
        this.outage = false;
        return result;
      } catch (err) {
        if (!isDatabaseUnavailable(err) || now() + wait > deadline) throw err;
        if (!this.outage) this.options.onUnavailable?.(err);
        this.outage = true;
        await sleep(wait);
      }
    }
  }
}
