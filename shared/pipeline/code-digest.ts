// What a step's code is, as digests: its TypeScript sources (the module graph from the step's
// module), the compiled WASM kernels it may call, and the lockfile that pins every package.
// Together with the compute backend these enter the step's fingerprint, so a cached result
// is only reused by the code that would produce it again.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { filesDigest, moduleClosure } from './module-graph';

/** The repository root the sources live under (this file is shared/pipeline/code-digest.ts). */
export const SOURCE_ROOT = path.resolve(__dirname, '..', '..');

export interface CodeDigest {
  /** the step module and everything it imports, transitively */
  sources: string;
  /** build/wasm/*.wasm, by name */
  kernels: Record<string, string>;
  /** package-lock.json ('none' without one) */
  lockfile: string;
  /** one digest of the three above: what lineage records as the step's source digest */
  digest: string;
}

async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function kernelDigests(root: string): Promise<Record<string, string>> {
  const dir = path.join(root, 'build', 'wasm');
  if (!existsSync(dir)) return {};
  const names = (await readdir(dir)).filter((n) => n.endsWith('.wasm')).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await sha256OfFile(path.join(dir, n))] as const)));
}

export async function codeDigest(entryModule: string, root: string = SOURCE_ROOT): Promise<CodeDigest> {
  const sources = await filesDigest(await moduleClosure(entryModule), root);
  const kernels = await kernelDigests(root);
  const lockPath = path.join(root, 'package-lock.json');
  const lockfile = existsSync(lockPath) ? await sha256OfFile(lockPath) : 'none';
  const digest = createHash('sha256').update(JSON.stringify({ sources, kernels, lockfile })).digest('hex');
  return { sources, kernels, lockfile, digest };
}
