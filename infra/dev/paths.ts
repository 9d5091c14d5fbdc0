// Where the dev stack keeps its state (inside the repo, git-ignored) and finds its tools
// (the setup script's cache outside the repo, so a fresh clone reuses built binaries).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(repoRoot, env.ASSAY_HOME ?? '.assay');
}

export function toolCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.ASSAY_CACHE ?? path.join(homedir(), '.cache', 'assay');
}

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** Path of a tool the setup script builds; a missing one says how to get it. */
export function toolPath(name: 'temporal' | 'minio', env: NodeJS.ProcessEnv = process.env): string {
  const file = path.join(toolCache(env), 'bin', name);
  if (!existsSync(file)) {
    throw new MissingToolError(`${name} is not installed at ${file}. Run \`bash infra/setup.sh\` (it builds it from the Go module proxy and caches it).`);
  }
  return file;
}

/** The PostgreSQL server binaries folder (Debian's packages put them outside PATH). */
export function postgresBin(env: NodeJS.ProcessEnv = process.env): string {
  const recorded = path.join(toolCache(env), 'postgres-bin');
  const dir = existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : '';
  if (dir && existsSync(path.join(dir, 'postgres'))) return dir;
  throw new MissingToolError('PostgreSQL server binaries were not found. Run `bash infra/setup.sh` (it installs postgresql from Debian\'s packages).');
}
