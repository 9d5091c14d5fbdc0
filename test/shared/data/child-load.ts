// Runs load-in-child.ts under a heap limit and parses its report.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { DataSourceConfigInput } from '../../../shared/data/source-config';
import type { ChildLoadResult } from './load-in-child';

export const CHILD_HEAP_MB = 96;

export function loadInChild(config: DataSourceConfigInput): ChildLoadResult {
  const script = path.join(__dirname, 'load-in-child.ts');
  const run = spawnSync(process.execPath, [`--max-old-space-size=${CHILD_HEAP_MB}`, '--import', 'tsx', script, JSON.stringify(config)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`child load failed (status ${run.status}, signal ${run.signal}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout) as ChildLoadResult;
}
