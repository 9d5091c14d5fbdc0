// The CLI's answers to --help and to malformed flags, as a user sees them (a real process).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/dev/paths';
import { daysBetween } from '../../cli/backfill';
import { parseDevices } from '../../cli/worker';

function assay(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], { cwd: repoRoot, env: process.env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('assay CLI', () => {
  it('--help lists every command with what it does', () => {
    const r = assay('--help');
    expect(r.status).toBe(0);
    for (const command of ['demo', 'run', 'status', 'watch', 'list', 'cancel', 'backfill', 'schedule', 'lineage', 'metrics', 'worker', 'dev']) expect(r.out).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('run --help documents the spec argument, the cache flags, --resume and what Ctrl-C does', () => {
    const r = assay('run', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('[spec]');
    expect(r.out).toContain('--no-cache');
    expect(r.out).toContain('--from-step <step>');
    expect(r.out).toContain('--resume <run>');
    expect(r.out).toContain('Without --workers, Ctrl-C detaches');
    expect(r.out).toContain('so Ctrl-C cancels the run');
  });

  it('run needs a spec file or a run to resume, not both', () => {
    const none = assay('run');
    expect(none.status).toBe(1);
    expect(none.err).toContain('name a spec file (`assay run specs/tiny.json`), or a run to resume (`assay run --resume <run>`)');
    const both = assay('run', 'specs/tiny.json', '--resume', 'assay/x/p0');
    expect(both.status).toBe(1);
    expect(both.err).toContain('--resume assay/x/p0 runs the spec that run was started with; leave out specs/tiny.json');
  });

  it('rejects an unknown --from-step, naming the allowed steps, before reading the spec', () => {
    const r = assay('run', 'specs/tiny.json', '--from-step', 'train');
    expect(r.status).toBe(1);
    expect(r.err).toContain('--from-step train: unknown step; use one of preprocess, pretrain, value, finetune, infer, report');
  });

  it('a missing spec file names the path', () => {
    const r = assay('run', 'specs/does-not-exist.json');
    expect(r.status).toBe(1);
    expect(r.err).toContain('Cannot read spec file specs/does-not-exist.json: ENOENT');
  });

  it('an unknown command says so and points at --help', () => {
    const r = assay('trian');
    expect(r.status).not.toBe(0);
    expect(r.err).toContain("unknown command 'trian'");
    expect(r.err).toContain('--help');
  });
});

describe('flag parsing', () => {
  it('a backfill date range expands to every day, inclusive', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });
  it('a backfill range names the bad bound', () => {
    expect(() => daysBetween('2026-13-01', '2026-12-01')).toThrow('--from 2026-13-01: expected a date YYYY-MM-DD');
    expect(() => daysBetween('2026-03-02', '2026-03-01')).toThrow('--to 2026-03-01 is before --from 2026-03-02');
  });
  it('--devices takes distinct GPU indices', () => {
    expect(parseDevices('0, 1')).toEqual(['0', '1']);
    expect(() => parseDevices('0,gpu1')).toThrow('--devices "0,gpu1": expected GPU indices');
    expect(() => parseDevices('1,1')).toThrow('a device is listed twice');
  });
});
