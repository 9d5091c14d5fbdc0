// A spec reaches only the folders it declares: a worker may run as root, so a source path
// (or a symlink inside an allowed folder) pointing at /etc/passwd or a key file must be
// refused before the file is read, stored or quoted in an error.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { dataFolder } from '../data/data-folder';
import { InvalidInputError } from './errors';

/** Roots of a source built in code rather than loaded from a spec file: the data folder only. */
export function defaultCodeRoots(): readonly string[] {
  return [dataFolder()];
}

/** The spec's folder and the data folder (ASSAY_DATA_DIR): what a spec file may read unless it says otherwise. */
export function defaultRootsFor(specFolder: string): string[] {
  return [specFolder, dataFolder()];
}

/** Resolves symlinks; a path that does not exist yet is judged by its absolute spelling. */
async function resolved(p: string): Promise<string> {
  return realpath(p).catch(() => path.resolve(p));
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Throws a non-retryable input error unless `file` (after symlinks) lies under one of `roots`
 * (after symlinks); `setting` is the spec field that named the file.
 */
export async function assertUnderAllowedRoots(file: string, setting: string, roots: readonly string[] = defaultCodeRoots()): Promise<void> {
  const real = await resolved(file);
  const realRoots = await Promise.all(roots.map(resolved));
  if (realRoots.some((root) => isInside(root, real))) return;
  const shown = real === path.resolve(file) ? file : `${file} (a link to ${real})`;
  throw new InvalidInputError(
    `${shown} is outside the folders this spec may read (${realRoots.join(', ')}); ` +
      'move the data under one of them or add its folder to source.allowedRoots in the spec',
    setting,
  );
}
