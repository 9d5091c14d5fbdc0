// The source files a module runs: the module and every project module it reaches through
// relative imports, transitively, read from the sources themselves. The step cache keys a
// step on a digest of this set, so editing any library a step uses invalidates that step
// without anyone keeping a list. Packages (bare specifiers) are covered by the lockfile's
// digest instead (see code-digest.ts).
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

// `import … from './x'`, `export … from './x'`, side-effect `import './x'`. Whole-statement
// `import type` / `export type` are left out: TypeScript erases them, so they run no code.
const STATIC_IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
// `import('./x')` and `require('./x')`
const DYNAMIC_IMPORT = /\b(?:import|require)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
// Worker threads started on a sibling module by name (shared/threads/worker.ts).
const WORKER_SIBLING = /\b(?:startWorker|runWorker)\(\s*__filename\s*,\s*['"]([\w.-]+)['"]/g;

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/** The file a relative specifier names, as TypeScript's and tsx's resolution would find it. */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stem = base.replace(/\.(c|m)?js$/, '');
  const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => path.join(base, `index${e}`))];
  return candidates.find(isFile);
}

/** Relative specifiers a source file runs, in order of appearance. */
export function runtimeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(STATIC_IMPORT)) if (!m[2]) found.push(m[3]!);
  for (const m of source.matchAll(DYNAMIC_IMPORT)) found.push(m[1]!);
  for (const m of source.matchAll(WORKER_SIBLING)) found.push(`./${m[1]!}`);
  return found;
}

export class UnresolvedImportError extends Error {
  override name = 'UnresolvedImportError';
}

/** Absolute paths of `entry` and every module it reaches through relative imports, sorted. */
export async function moduleClosure(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const specifier of runtimeImports(source)) {
      const target = resolveRelative(file, specifier);
      // An import that resolves to nothing would leave code out of the digest unnoticed.
      if (!target) throw new UnresolvedImportError(`${file}: cannot resolve import '${specifier}' while digesting the step's sources`);
      if (!seen.has(target)) pending.push(target);
    }
  }
  return [...seen].sort();
}

/**
 * sha256 over (path relative to `root`, content digest) of every file: a change to any file's
 * content, or a file joining or leaving the set, changes the digest.
 */
export async function filesDigest(files: readonly string[], root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    const content = createHash('sha256').update(await readFile(file)).digest('hex');
    hash.update(`${path.relative(root, file).split(path.sep).join('/')}\0${content}\n`);
  }
  return hash.digest('hex');
}
