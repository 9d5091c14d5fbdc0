// Which raw files a source reads, checked before anything is stored: a wrong path or an
// incomplete dataset folder is an input error naming the setting, and a folder source never
// picks up files its format does not read.
import { mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/pipeline/errors';
import { sourceFilesOf } from '../../../shared/pipeline/steps/source-files';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { segmentFor, assertSafeSegment } from '../../../shared/store/keys';
import { tempDir } from '../data/helpers';
import { loadSpecFile, sourceForPartition } from '../../../shared/pipeline/spec';
import { dataFolder } from '../../../shared/data/data-folder';
import { repoRoot } from '../../../infra/dev/paths';

// the temporary folders these tests read from are declared, as a spec outside the data folder must
const source = (input: object, allowedRoots = [tmpdir()]) => parseDataSourceConfig({ ...input, allowedRoots });

describe('allowed source roots', () => {
  it('refuses a path outside the declared roots before reading it, naming the path, the roots and the setting', async () => {
    const root = tempDir();
    const error = await sourceFilesOf(source({ format: 'csv', paths: { events: '/etc/passwd' } }, [root])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(
      `source.paths.events: /etc/passwd is outside the folders this spec may read (${root}); move the data under one of them or add its folder to source.allowedRoots in the spec`,
    );
  });

  it('refuses a symlink inside a root that points out of it, for file and folder sources', async () => {
    const root = tempDir();
    const outside = tempDir();
    writeFileSync(path.join(outside, 'secret.csv'), 'user,item,type,timestamp\n');
    symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'events.csv'));
    const viaFile = await sourceFilesOf(source({ format: 'csv', paths: { events: path.join(root, 'events.csv') } }, [root])).catch((e: unknown) => e);
    expect(viaFile).toBeInstanceOf(InvalidInputError);
    expect((viaFile as Error).message).toContain(`source.paths.events: ${path.join(root, 'events.csv')} (a link to ${path.join(outside, 'secret.csv')}) is outside the folders this spec may read (${root})`);

    const folder = path.join(root, 'ml');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'ml-100k.inter'), 'x\n');
    symlinkSync(path.join(outside, 'secret.csv'), path.join(folder, 'ml-100k.item'));
    const viaFolder = await sourceFilesOf(source({ format: 'ml-100k', path: folder }, [root])).catch((e: unknown) => e);
    expect(viaFolder).toBeInstanceOf(InvalidInputError);
    expect((viaFolder as Error).message).toContain(`source.path: ${path.join(folder, 'ml-100k.item')} (a link to ${path.join(outside, 'secret.csv')}) is outside`);
  });

  it('does not reveal whether a file outside the roots exists', async () => {
    const root = tempDir();
    const error = await sourceFilesOf(source({ format: 'csv', paths: { events: '/etc/no-such-file' } }, [root])).catch((e: unknown) => e);
    expect((error as Error).message).toContain('/etc/no-such-file is outside the folders this spec may read');
  });

  it('accepts a symlink that stays inside the roots, and a source without declared roots reads the shared data only', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'real.csv'), 'user,item,type,timestamp\n');
    symlinkSync(path.join(root, 'real.csv'), path.join(root, 'events.csv'));
    expect(await sourceFilesOf(source({ format: 'csv', paths: { events: path.join(root, 'events.csv') } }, [root]))).toEqual({ events: path.join(root, 'events.csv') });
    const undeclared = parseDataSourceConfig({ format: 'csv', paths: { events: path.join(root, 'real.csv') } });
    await expect(sourceFilesOf(undeclared)).rejects.toThrow(/is outside the folders this spec may read \(.*shared\/data\)/);
  });
});

describe('allowed roots of a spec file', () => {
  it('default to the spec folder and the shared data folder: a spec pointing at /etc/passwd is refused', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'hostile.json');
    writeFileSync(file, JSON.stringify({ dataset: 'hostile', source: { format: 'csv', paths: { events: '/etc/passwd' } } }));
    const spec = loadSpecFile(file);
    expect(spec.source.allowedRoots).toEqual([dir, dataFolder()]);
    await expect(sourceFilesOf(sourceForPartition(spec))).rejects.toThrow(
      `source.paths.events: /etc/passwd is outside the folders this spec may read (${realpathSync(dir)}, ${realpathSync(dataFolder())}); move the data under one of them or add its folder to source.allowedRoots in the spec`,
    );
  });

  it('are resolved from the spec folder when declared', () => {
    const dir = tempDir();
    const file = path.join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify({ dataset: 'x', source: { format: 'csv', paths: { events: 'e.csv' }, allowedRoots: ['data', '/srv/assay'] } }));
    expect(loadSpecFile(file).source.allowedRoots).toEqual([path.join(dir, 'data'), '/srv/assay']);
  });

  it('let every shipped spec read its data', async () => {
    const specs = readdirSync(path.join(repoRoot, 'specs')).filter((f) => f.endsWith('.json'));
    expect(specs.length).toBeGreaterThanOrEqual(3);
    for (const name of specs) {
      const files = await sourceFilesOf(sourceForPartition(loadSpecFile(path.join(repoRoot, 'specs', name))));
      expect(Object.keys(files).length, name).toBeGreaterThan(0);
    }
  });
});

describe('sourceFilesOf', () => {
  it('names a missing events file and the setting that points at it', async () => {
    const missing = path.join(tempDir(), 'events.csv');
    const error = await sourceFilesOf(source({ format: 'csv', paths: { events: missing } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`source.paths.events: ${missing} does not exist; relative paths are resolved from the spec's folder`);
  });

  it('refuses a folder given as a file', async () => {
    const dir = tempDir();
    const error = await sourceFilesOf(source({ format: 'jsonl', paths: { events: dir } })).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`source.paths.events: ${dir} is not a regular file`);
  });

  it('lists the files an ml-100k folder lacks', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'ml-100k.inter'), 'user_id:token\n');
    const error = await sourceFilesOf(source({ format: 'ml-100k', path: dir })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`source.path: ${dir} has no ml-100k.item; a ml-100k folder needs ml-100k.inter, ml-100k.item (and reads ml-100k.user when present)`);
  });

  it('takes only the files the folder format reads, not the rest of the folder', async () => {
    const dir = tempDir();
    for (const name of ['ml-100k.inter', 'ml-100k.item', 'ml-100k.user', 'id_rsa', 'notes.txt']) writeFileSync(path.join(dir, name), 'x\n');
    mkdirSync(path.join(dir, 'sub'));
    expect(Object.keys(await sourceFilesOf(source({ format: 'ml-100k', path: dir }))).sort()).toEqual(['ml-100k.inter', 'ml-100k.item', 'ml-100k.user']);
  });

  it('accepts file names with spaces and other legal characters', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'my events (v2) données.csv');
    writeFileSync(file, 'user,item,type,timestamp\n');
    expect(await sourceFilesOf(source({ format: 'csv', paths: { events: file } }))).toEqual({ events: file });
  });
});

describe('segmentFor', () => {
  it('turns any file name into a distinct safe key segment and keeps safe names as they are', () => {
    const names = ['ml-100k.inter', 'my events.csv', 'my_events.csv', '..', '../../etc/passwd', '.hidden', 'données.csv', 'x'.repeat(300), ''];
    const segments = names.map(segmentFor);
    for (const s of segments) expect(() => assertSafeSegment('name', s)).not.toThrow();
    expect(new Set(segments).size).toBe(names.length);
    expect(segmentFor('ml-100k.inter')).toBe('ml-100k.inter');
    expect(segmentFor('my events.csv')).toMatch(/^my_events\.csv-[0-9a-f]{12}$/);
  });
});
