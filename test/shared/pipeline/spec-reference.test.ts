// The spec reference is generated from the schemas: docs/spec.md must be what the generator
// writes today (a stale file fails here), every field must say what it does, and `assay spec
// --help` prints the same fields.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../infra/dev/paths';
import { SPEC_DOC } from '../../../infra/docs-spec';
import { specFields, specMarkdown, undocumentedFields } from '../../../shared/pipeline/spec-reference';
import { SpecFileSchema } from '../../../shared/pipeline/spec';

describe('the spec reference', () => {
  it('docs/spec.md is what `npm run docs:spec` writes from the schemas today', () => {
    const onDisk = readFileSync(SPEC_DOC, 'utf8');
    // a plain equality would print two 190-line strings; name the first line that differs instead
    const expected = specMarkdown().split('\n');
    const actual = onDisk.split('\n');
    const differs = expected.findIndex((line, i) => line !== actual[i]);
    const first = differs === -1 && actual.length !== expected.length ? expected.length : differs;
    expect(first === -1 ? 'up to date' : `docs/spec.md is stale from line ${first + 1} (expected: ${expected[first] ?? '(end of file)'}); run npm run docs:spec`).toBe('up to date');
  });

  it('describes every field', () => {
    expect(undocumentedFields()).toEqual([]);
  });

  it('lists every field a spec file may set, and not the code version the CLI fills in', () => {
    const paths = specFields().map((f) => f.path);
    expect(paths.filter((p) => !p.includes('.')).sort()).toEqual(Object.keys(SpecFileSchema.shape).sort());
    expect(paths).not.toContain('codeVersion');
    for (const field of ['source.dataset', 'valuation.method', 'valuation.seed', 'valuation.threshold', 'pretrain.encoder.dim', 'finetune.earlyStopping.patience', 'infer.ease.maxItems']) expect(paths).toContain(field);
  });

  it('gives each field its type, default and the variant it belongs to', () => {
    const byPath = new Map(specFields().map((f) => [`${f.path}${f.when ? ` (${f.when})` : ''}`, f]));
    expect(byPath.get('pretrain.encoder.dim')).toMatchObject({ type: 'integer ≥ 8', default: '64', required: false });
    expect(byPath.get('dataset')).toMatchObject({ type: 'string', required: true });
    expect(byPath.get('source.paths.events (format = jsonl | csv | parquet)')).toMatchObject({ type: 'string', required: true });
    expect(byPath.get('finetune.loss.negatives (kind = sampled)')).toMatchObject({ default: '1024' });
  });

  it('`assay spec --help` prints the field reference', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'main.ts'), 'spec', '--help'], { cwd: repoRoot, env: process.env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valuation.threshold  number ≥ 0, ≤ 1');
    expect(r.stdout).toMatch(/^valuation\.seed {2}integer\n {4}the seed of the method's random draws/m);
    expect(r.stdout).toContain('source.dataset  [when format = ml-100k | amazon-beauty | esci-ubi]  string');
  });
});
