// The shipped generic-CSV example: reproducible from its seeded generator, and run end to end
// (all five steps and the report) by the bare runner.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/dev/paths';
import { runBare } from '../../shared/pipeline/bare';
import { loadSpecFile } from '../../shared/pipeline/spec';

const exampleDir = path.join(repoRoot, 'specs', 'examples', 'generic');

describe('specs/generic-csv.json', () => {
  it('its example files are what the seeded generator writes', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'assay-generic-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(exampleDir, 'generate.ts'), out], { cwd: repoRoot, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      for (const name of ['items.csv', 'events.csv']) expect(readFileSync(path.join(out, name), 'utf8')).toBe(readFileSync(path.join(exampleDir, name), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('runs end to end: every step, the catalogue pruned, its quantity column read (no unread column)', async () => {
    const run = await runBare(loadSpecFile(path.join(repoRoot, 'specs', 'generic-csv.json')));
    expect(run.outcomes.map((o) => (o.variant ? `${o.step}:${o.variant}` : o.step))).toEqual(['preprocess', 'pretrain', 'value', 'finetune:valued', 'finetune:control', 'infer', 'report']);
    const preprocess = run.outcomes[0]!.outcome.metrics!;
    expect(preprocess).toMatchObject({ rejects: 0, users: 60, itemsPruned: 5, unknownColumns: 0 });
    // the spec weighs targets by quantity and feeds price buckets to the model: both train and infer
    for (const variant of ['valued', 'control']) expect(Number.isFinite(run.outcomes.find((o) => o.step === 'finetune' && o.variant === variant)!.outcome.metrics!.loss)).toBe(true);
    const infer = run.outcomes.find((o) => o.step === 'infer')!.outcome.labelledMetrics!;
    for (const model of ['valued', 'control', 'most-popular', 'item-knn', 'ease']) expect(Number.isFinite(infer[model]!['ndcg@10'])).toBe(true);
  });

  it('refuses a switch whose data the source lacks as invalid input, naming it', async () => {
    const file = path.join(repoRoot, 'specs', 'generic-csv.json');
    const noValue = runBare(loadSpecFile(file, { finetune: { epochs: 1, exampleWeight: 'value' } }));
    await expect(noValue).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/finetune\.exampleWeight is 'value' but the events have no value column/) });
  });

  it('refuses search on a source without logged searches as invalid input, in the infer step and in the value step', async () => {
    const file = path.join(repoRoot, 'specs', 'generic-csv.json');
    const noSearch = /infer\.search: dataset '.*' has no logged search .*drop infer\.search or use a source with queries/;
    await expect(runBare(loadSpecFile(file, { finetune: { epochs: 1 }, infer: { search: {} } }))).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(noSearch) });
    await expect(runBare(loadSpecFile(file, { infer: { search: { valuation: {} } } }))).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(noSearch) });
  });

  it('with excludeSeen false a repeat purchase can be a hit, so most-popular scores higher than with seen items excluded', async () => {
    const file = path.join(repoRoot, 'specs', 'generic-csv.json');
    const hitRate = async (excludeSeen: boolean) => {
      const run = await runBare(loadSpecFile(file, { infer: { k: 10, excludeSeen, ease: { maxItems: 500 } } }));
      return run.outcomes.find((o) => o.step === 'infer')!.outcome.labelledMetrics!['most-popular']!['hr@10']!;
    };
    const repeatsCount = await hitRate(false);
    const repeatsExcluded = await hitRate(true);
    expect(repeatsCount).toBeGreaterThan(repeatsExcluded);
  });
});
