import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readServices } from '../../../shared/config/services';
import { createArtifactStore, LocalArtifactStore } from '../../../shared/store';
import { describeArtifactStoreContract } from './artifact-store-contract';

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'assay-local-store-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

describeArtifactStoreContract('local', async () => {
  const store = new LocalArtifactStore(await freshRoot());
  return {
    store,
    overwriteContent: (ref, bytes) => writeFile(fileURLToPath(ref.uri), bytes),
    leftoverUploads: async () => (await readdir(path.join(store.root, 'tmp')).catch(() => [])).length,
    uriFor: (sha256) => pathToFileURL(path.join(store.root, 'sha256', sha256)).href,
    purgeContent: (ref) => store.remove(ref),
  };
});

describe('local artifact store layout', () => {
  it('is chosen by createArtifactStore when ASSAY_S3_ENDPOINT is unset, rooted at <ASSAY_HOME>/artifacts', async () => {
    const home = await freshRoot();
    const store = await createArtifactStore(readServices({ ASSAY_HOME: home }));
    expect(store.kind).toBe('local');
    expect(store.location).toBe(pathToFileURL(path.join(home, 'artifacts')).href);
  });

  it('keeps content under sha256/ and a readable JSON manifest under runs/<run>/<step>/<name>', async () => {
    const store = new LocalArtifactStore(await freshRoot());
    const ref = await store.put(Buffer.from('hello'), { run: 'r1', step: 'preprocess', name: 'train.arrow', meta: { rows: 1 } });
    expect(await readFile(path.join(store.root, 'sha256', ref.sha256), 'utf8')).toBe('hello');
    const manifest = JSON.parse(await readFile(path.join(store.root, 'runs', 'r1', 'preprocess', 'train.arrow'), 'utf8'));
    expect(manifest).toMatchObject({ ...ref, contentType: 'application/octet-stream', meta: { rows: 1 } });
  });

  it('reports a hand-edited, invalid manifest with its path and the fix', async () => {
    const store = new LocalArtifactStore(await freshRoot());
    await store.put(Buffer.from('x'), { run: 'r1', step: 'infer', name: 'out' });
    const aliasPath = path.join(store.root, 'runs', 'r1', 'infer', 'out');
    await writeFile(aliasPath, JSON.stringify({ uri: 'file:///x', sha256: 'nope', bytes: -1 }));
    await expect(store.resolveAlias('r1', 'infer', 'out')).rejects.toThrow(new RegExp(`${aliasPath}.*sha256.*--no-cache`));
  });
});
