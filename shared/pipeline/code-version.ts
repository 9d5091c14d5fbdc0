// The code version of this process's checkout: the git commit when there is one, with +dirty
// when a tracked file is changed or an untracked, not ignored file exists (a new module is
// code too), else the package version. The CLI records it on the run and every worker on
// each step it runs, so a run shows when client and workers ran different code.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const cached = new Map<string, string>();

export function codeVersion(root: string = ROOT): string {
  const known = cached.get(root);
  if (known) return known;
  let version: string;
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const sha = git(['rev-parse', '--short=12', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=normal']);
    version = dirty ? `${sha}+dirty` : sha;
  } catch {
    version = `v${(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}`;
  }
  cached.set(root, version);
  return version;
}
