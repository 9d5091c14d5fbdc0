// Loads one data source in a child process with a small V8 heap and reports what came out and
// the process's peak resident memory, so a test can prove a reader stays in bounded memory:
// a reader that buffers a huge line or repeats it per reject dies here instead of passing.
//   node --max-old-space-size=N --import tsx load-in-child.ts '<source config JSON>'
import { loadSource } from '../../../shared/data/load';
import { parseDataSourceConfig } from '../../../shared/data/source-config';

export interface ChildLoadResult {
  readonly accepted?: number;
  readonly rejects?: Array<{ line: number; field: string; reason: string; detail: string; excerpt: string }>;
  readonly rowsRead?: number;
  readonly error?: { name: string; message: string };
  readonly peakRssBytes: number;
}

async function main(): Promise<void> {
  const config = parseDataSourceConfig(JSON.parse(process.argv[2] ?? '{}'));
  let result: Omit<ChildLoadResult, 'peakRssBytes'>;
  try {
    const raw = await loadSource(config);
    result = {
      accepted: raw.events.length + raw.items.length,
      rejects: raw.rejects.map(({ line, field, reason, detail, excerpt }) => ({ line, field, reason, detail, excerpt })),
      rowsRead: Object.values(raw.rowsRead).reduce((a, b) => a + b, 0),
    };
  } catch (err) {
    result = { error: { name: (err as Error).name, message: (err as Error).message } };
  }
  // resourceUsage().maxRSS is in kilobytes
  process.stdout.write(JSON.stringify({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
