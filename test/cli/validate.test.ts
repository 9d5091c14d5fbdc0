// `assay validate` as a user runs it: the shipped example, and malformed specs and data.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/dev/paths';

function assay(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
}

const dirs: string[] = [];
afterEach(() => { while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true }); });

/** A spec over an events CSV written next to it. */
function specWith(eventsCsv: string, infer: object = {}, more: object = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'assay-validate-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'events.csv'), eventsCsv);
  const spec = path.join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ dataset: 'v', source: { format: 'csv', paths: { events: 'events.csv' }, preprocess: { split: { mode: 'leave-last-out' } } }, infer, ...more }));
  return spec;
}

describe('assay validate', () => {
  it('profiles the shipped generic example: sizes, pruned items, repeats, its quantity column and an estimate', () => {
    const r = assay('validate', 'specs/generic-csv.json', '--json');
    expect(r.status, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.profile).toMatchObject({ users: 60, items: 43, catalogue: 48, itemsWithoutEvents: 5, itemsPruned: 5, rejects: 0 });
    expect(v.profile.unknownColumns).toEqual({});
    expect(v.profile.weightColumns.quantity.rows).toBeGreaterThan(0);
    expect(v.profile.weightColumns.quantity.distribution.min).toBeGreaterThanOrEqual(1);
    expect(v.profile.testRepeatShare).toBeGreaterThan(0.2);
    expect(v.estimate.totalSeconds).toBeGreaterThan(0);
    const text = assay('validate', 'specs/generic-csv.json');
    expect(text.stdout).toMatch(new RegExp(`quantity +${v.profile.weightColumns.quantity.rows} of [0-9,]+ events give it; min 1 · median \\d+ · p90 \\d+ · max 4`));
  });

  it('counts malformed rows by reason and lists unknown columns', () => {
    const csv = [
      'user,item,type,timestamp,store',
      'u1,a,purchase,2025-01-01T10:00:00Z,s1',
      'u1,b,purchase,2025-01-02T10:00:00Z,s1',
      'u1,c,purchase,2025-01-03T10:00:00Z,s1',
      'u1,d,purchase,2025-01-03 10:00:00,s1',
      'u1,e,buy,2025-01-04T10:00:00Z,s1',
      'u1,f,purchase,01/02/2025,s1',
      ',g,purchase,2025-01-05T10:00:00Z,s1',
    ].join('\n') + '\n';
    const r = assay('validate', specWith(csv), '--json');
    expect(r.status, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.profile.rejectsByReason).toEqual({ 'missing-offset': 1, 'invalid-value': 1, 'ambiguous-date': 1, 'out-of-range': 1 });
    expect(Object.values(v.profile.unknownColumns)).toEqual([['store']]);
  });

  it('warns when test targets are often repeats and seen items are excluded, and not when they are kept', () => {
    const rows = ['user,item,type,timestamp'];
    for (const u of ['u1', 'u2', 'u3']) for (let d = 1; d <= 4; d++) rows.push(`${u},milk,purchase,2025-01-0${d}T10:00:00Z`);
    const csv = rows.join('\n') + '\n';
    const excluded = assay('validate', specWith(csv));
    expect(excluded.stdout).toMatch(/100\.0 % of the test targets are items the user already had/);
    const kept = assay('validate', specWith(csv, { excludeSeen: false }));
    expect(kept.status, kept.stderr).toBe(0);
    expect(kept.stdout).not.toMatch(/test targets are items the user already had/);
  });

  it('fails with exit code 1 when a switch needs a column the data lacks: an example-weight column, item prices', () => {
    const csv = 'user,item,type,timestamp,quantity\nu1,a,purchase,2025-01-01T10:00:00Z,2\nu1,b,purchase,2025-01-02T10:00:00Z,1\nu1,c,purchase,2025-01-03T10:00:00Z,3\n';
    const ok = assay('validate', specWith(csv, {}, { finetune: { exampleWeight: 'quantity' } }));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/prices +0 of 3 items have one/);
    const r = assay('validate', specWith(csv, {}, { finetune: { exampleWeight: 'value' }, pretrain: { encoder: { priceBuckets: 4 } } }));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/NOT TRAINABLE/);
    expect(r.stdout).toMatch(/finetune\.exampleWeight is 'value' but the events have no value column/);
    expect(r.stdout).toMatch(/pretrain\.encoder\.priceBuckets is set but no item has a price/);
  });

  it('fails with exit code 1 and says why when nothing is left to train on', () => {
    const r = assay('validate', specWith('user,item,type,timestamp\nu1,a,buy,2025-01-01T10:00:00Z\n'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/NOT TRAINABLE/);
    expect(r.stdout).toMatch(/invalid-value 1/);
  });

  it('fails on a missing required column with the header it found', () => {
    const r = assay('validate', specWith('user,item,when\nu1,a,2025\n'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/type|timestamp/);
    expect(r.stderr).toMatch(/user, item, when/);
  });

  it('fails on an invalid spec field before reading any data', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'assay-validate-'));
    dirs.push(dir);
    const spec = path.join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ dataset: 'v', source: { format: 'csv', paths: { events: 'missing.csv' } }, infer: { excludeSeen: 'no' } }));
    const r = assay('validate', spec);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/infer\.excludeSeen/);
  });
});
