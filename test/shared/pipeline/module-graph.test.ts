import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesDigest, moduleClosure, runtimeImports, UnresolvedImportError } from '../../../shared/pipeline/module-graph';

/** Writes a small module tree under a fresh folder and returns its root. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'assay-graph-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

const relative = (root: string, files: string[]) => files.map((f) => path.relative(root, f));

describe('runtimeImports', () => {
  it('finds static, re-exported, side-effect, dynamic and worker-thread modules, and leaves out type-only imports and packages', () => {
    const source = [
      `import { a } from './a';`,
      `import {\n  b,\n  c,\n} from "../lib/b";`,
      `import type { T } from './types-only';`,
      `export type { U } from './types-too';`,
      `import { type V, w } from './mixed';`,
      `export * from './reexported';`,
      `import './side-effect';`,
      `import { z } from 'zod';`,
      `const lazy = await import('./lazy');`,
      `const worker = startWorker(__filename, 'my-worker', data);`,
    ].join('\n');
    expect(runtimeImports(source).sort()).toEqual(['../lib/b', './a', './lazy', './mixed', './my-worker', './reexported', './side-effect']);
  });
});

describe('moduleClosure', () => {
  it('walks relative imports transitively, resolving folders to index.ts, and stops at cycles', async () => {
    const root = tree({
      'steps/train.ts': `import { fit } from '../lib/fit';\nimport type { Cfg } from '../lib/config';`,
      'lib/fit.ts': `import { loss } from './loss';\nimport { x } from './util';`,
      'lib/loss.ts': `import { fit } from './fit';`,
      'lib/util/index.ts': `export const x = 1;`,
      'lib/config.ts': `export interface Cfg {}`,
      'steps/other.ts': `export const y = 2;`,
    });
    expect(relative(root, await moduleClosure(path.join(root, 'steps/train.ts')))).toEqual(['lib/fit.ts', 'lib/loss.ts', 'lib/util/index.ts', 'steps/train.ts']);
    expect(relative(root, await moduleClosure(path.join(root, 'steps/other.ts')))).toEqual(['steps/other.ts']);
  });

  it('refuses an import it cannot resolve rather than leave that code out of the digest', async () => {
    const root = tree({ 'a.ts': `import { gone } from './gone';` });
    await expect(moduleClosure(path.join(root, 'a.ts'))).rejects.toThrow(UnresolvedImportError);
    await expect(moduleClosure(path.join(root, 'a.ts'))).rejects.toThrow(`cannot resolve import './gone'`);
  });
});

describe('filesDigest', () => {
  it('changes when a file changes and when a file joins the set, not when the list is reordered', async () => {
    const root = tree({ 'a.ts': 'a', 'b.ts': 'b' });
    const a = path.join(root, 'a.ts');
    const b = path.join(root, 'b.ts');
    const before = await filesDigest([a, b], root);
    expect(await filesDigest([b, a], root)).toBe(before);
    expect(await filesDigest([a], root)).not.toBe(before);
    writeFileSync(b, 'b changed');
    expect(await filesDigest([a, b], root)).not.toBe(before);
  });
});
