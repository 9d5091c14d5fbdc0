// What every CLI command needs: validated service settings, a Temporal client, output modes.
import { readServices } from '../shared/config/services';
import { AssayClient } from './client';

export async function withClient<T>(work: (client: AssayClient) => Promise<T>): Promise<T> {
  const client = await AssayClient.connect(readServices());
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** A fixed-width table for terminals; numbers get 4 decimals. */
export function formatTable(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined ? '—' : typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(4)) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
