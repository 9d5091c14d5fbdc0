import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeVersion } from '../../../shared/pipeline/code-version';

/** A fresh git checkout with one committed file. */
function checkout(): { root: string; sha: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'assay-version-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, encoding: 'utf8' }).trim();
  git('init', '-q');
  writeFileSync(path.join(root, 'a.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, '.gitignore'), 'ignored/\n');
  git('add', '.');
  git('commit', '-qm', 'first');
  return { root, sha: git('rev-parse', '--short=12', 'HEAD') };
}

describe('codeVersion', () => {
  it('is the commit of a clean checkout, and ignored files do not make it dirty', () => {
    const { root, sha } = checkout();
    execFileSync('mkdir', ['-p', path.join(root, 'ignored')]);
    writeFileSync(path.join(root, 'ignored', 'state.json'), '{}');
    expect(codeVersion(root)).toBe(sha);
  });

  it('is dirty when an untracked module exists: new code is code too', () => {
    const { root, sha } = checkout();
    writeFileSync(path.join(root, 'new-module.ts'), 'export const b = 2;\n');
    expect(codeVersion(root)).toBe(`${sha}+dirty`);
  });

  it('is dirty when a tracked file changed', () => {
    const { root, sha } = checkout();
    writeFileSync(path.join(root, 'a.ts'), 'export const a = 2;\n');
    expect(codeVersion(root)).toBe(`${sha}+dirty`);
  });
});
