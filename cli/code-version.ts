// The code version recorded with every run: the git commit when there is one (with +dirty
// for uncommitted changes), else the package version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function codeVersion(): string {
  if (cached) return cached;
  const root = path.resolve(__dirname, '..');
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    cached = dirty ? `${sha}+dirty` : sha;
  } catch {
    cached = `v${(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}`;
  }
  return cached;
}
