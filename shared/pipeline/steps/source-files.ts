// The raw files a spec's source reads, by role, each checked to exist and be readable before
// anything is stored or parsed: a wrong path is the user's to fix, so it must fail once, as an
// input error, instead of being retried as if the storage were down.
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FOLDER_LAYOUTS } from '../../data/adapters/folder-layouts';
import { InvalidInputError } from '../errors';
import { sourceFolder } from '../../data/source-config';
import { DatasetNotFoundError } from '../../data/data-folder';
import { assertUnderAllowedRoots, defaultCodeRoots } from '../source-roots';
import type { PipelineSpec } from '../spec';

type Source = PipelineSpec['source'];

/** role → absolute file: the spec's `paths` keys, or the file names a folder format reads. */
export async function sourceFilesOf(source: Source): Promise<Record<string, string>> {
  const roots = source.allowedRoots ?? defaultCodeRoots();
  if ('paths' in source) {
    const files: Record<string, string> = {};
    for (const [role, file] of Object.entries(source.paths)) {
      if (typeof file !== 'string') continue;
      await assertUnderAllowedRoots(file, `source.paths.${role}`, roots);
      await assertReadableFile(file, `source.paths.${role}`);
      files[role] = file;
    }
    return files;
  }
  const setting = source.dataset !== undefined ? 'source.dataset' : 'source.path';
  let dir: string;
  try {
    dir = sourceFolder(source);
  } catch (err) {
    if (err instanceof DatasetNotFoundError) throw new InvalidInputError(err.message, setting);
    throw err;
  }
  return folderFiles(dir, source.format, roots, setting);
}

async function folderFiles(dir: string, format: keyof typeof FOLDER_LAYOUTS, roots: readonly string[], setting: string): Promise<Record<string, string>> {
  await assertUnderAllowedRoots(dir, setting, roots);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InvalidInputError(`${dir} is not a folder; point it at the dataset folder (a folder with the format's files, or name a dataset in ASSAY_DATA_DIR with source.dataset)`, setting);
  }
  const layout = FOLDER_LAYOUTS[format];
  const present = new Set(await readdir(dir));
  const missing = layout.required.filter((name) => !present.has(name));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${dir} has no ${missing.join(', ')}; a ${format} folder needs ${layout.required.join(', ')}` +
        `${layout.optional.length > 0 ? ` (and reads ${layout.optional.join(', ')} when present)` : ''}`,
      setting,
    );
  }
  const files: Record<string, string> = {};
  for (const name of [...layout.required, ...layout.optional.filter((n) => present.has(n))]) {
    const file = path.join(dir, name);
    // a folder inside the roots may still hold a link to a file outside them
    await assertUnderAllowedRoots(file, setting, roots);
    await assertReadableFile(file, setting);
    files[name] = file;
  }
  return files;
}

async function assertReadableFile(file: string, setting: string): Promise<void> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'does not exist' : `cannot be read (${info.code ?? info.message})`;
    throw new InvalidInputError(`${file} ${why}; relative paths are resolved from the spec's folder`, setting);
  }
  if (!info.isFile()) throw new InvalidInputError(`${file} is not a regular file`, setting);
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    throw new InvalidInputError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'no permission'}); check its permissions`, setting);
  }
}
