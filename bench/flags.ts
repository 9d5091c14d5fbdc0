// Command-line flags of a benchmark: every flag a string (`--name value`), validated and
// coerced by the bench's zod schema; a bad flag names itself, its value and the usage line.
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { issueLines } from '../shared/config/zod-issues';

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export function parseStringFlags<S extends z.ZodObject>(schema: S, args: string[], usage: string): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args, strict: true, allowPositionals: false, options: Object.fromEntries(Object.keys(schema.shape).map((name) => [name, { type: 'string' as const }])) }));
  } catch (err) {
    throw new BenchUsageError(`${(err as Error).message}\n${usage}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const lines = issueLines(parsed.error, { indent: '  ', label: (i, path) => `--${path}=${String(values[String(i.path[0])])}` });
    throw new BenchUsageError(`invalid flags:\n${lines.join('\n')}\n${usage}`);
  }
  return parsed.data;
}

/** Runs a bench as a script (`tsx bench/<name>.ts …`) when `mod` is the entry module: a usage error exits 2 with its message, any other error 1. */
export function runIfMain(mod: NodeModule, run: (args: string[]) => Promise<void>): void {
  if (require.main !== mod) return;
  run(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof BenchUsageError ? error.message : error);
    process.exit(error instanceof BenchUsageError ? 2 : 1);
  });
}
