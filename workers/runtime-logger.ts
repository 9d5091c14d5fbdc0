// The Temporal runtime's logger for Assay's workers. The SDK warns "No workflows registered,
// not polling for workflow tasks" for every worker without workflows; the accelerator pool
// runs activities only by design (workflows live on the CPU pool, docs/architecture.md §2), so that line
// says nothing a user can act on and is left out. Everything else passes through unchanged.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

const EXPECTED_FOR_ACTIVITY_ONLY_POOLS = /^No workflows registered, not polling/;

export function isExpectedPoolNotice(message: string): boolean {
  return EXPECTED_FOR_ACTIVITY_ONLY_POOLS.test(message);
}

export function workerLogger(level: LogLevel, write: (entry: LogEntry) => void = writeToStderr): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    if (!isExpectedPoolNotice(entry.message)) write(entry);
  });
}

function writeToStderr(entry: LogEntry): void {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
  process.stderr.write(`${time} [${entry.level}] ${entry.message}${meta}\n`);
}
