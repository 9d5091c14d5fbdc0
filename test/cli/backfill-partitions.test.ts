// `assay backfill --partitions` holds every name to the rule `-p` uses, before any workflow
// starts: a bad name would otherwise fail only as "Child Workflow execution failed".
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePartitionList } from '../../cli/backfill';
import { repoRoot } from '../../infra/dev/paths';

describe('backfill --partitions', () => {
  it('accepts the names -p accepts', () => {
    expect(parsePartitionList('2026-01-01, week_2,v1.3')).toEqual(['2026-01-01', 'week_2', 'v1.3']);
  });

  it('names every bad partition and why, including repeats', () => {
    expect(() => parsePartitionList('../x,a b,ok,ok')).toThrow(
      '--partitions: invalid partition names:\n  "../x": use 1-63 letters, digits, dot, dash or underscore (it becomes part of workflow ids and artifact keys)\n' +
        '  "a b": use 1-63 letters, digits, dot, dash or underscore (it becomes part of workflow ids and artifact keys)\n  "ok": listed more than once',
    );
    expect(() => parsePartitionList(' , ')).toThrow('--partitions " , ": expected comma-separated partition names');
  });

  it('stops the CLI before it reaches Temporal', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), 'backfill', 'specs/tiny.json', '--partitions', '../x,a b'], {
      cwd: repoRoot,
      env: { ...process.env, ASSAY_TEMPORAL_ADDRESS: '127.0.0.1:1' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--partitions: invalid partition names:');
    expect(r.stderr).toContain('"../x": use 1-63 letters');
  });
});
