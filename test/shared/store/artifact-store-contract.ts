// The behaviour every ArtifactStore must have, run against each implementation by its own
// test file. The harness gives the store plus two back doors the contract needs: writing
// bytes behind the store's back (to corrupt an object) and counting leftover uploads.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../../shared/store/artifact-store';
import { ArtifactCorruptError, ArtifactNotFoundError, InvalidArtifactKeyError, InvalidArtifactRefError } from '../../../shared/store/errors';
import type { ArtifactRef } from '../../../shared/store/manifest';
import { digestOf, MiB, peakRssGrowth, seededByteStream } from './seeded-bytes';

export interface StoreHarness {
  store: ArtifactStore;
  /** Overwrites the stored content object of `ref` with `bytes`, bypassing the store. */
  overwriteContent(ref: ArtifactRef, bytes: Buffer): Promise<void>;
  /** Uploads in progress or abandoned under this run (temporary objects, open multipart uploads). */
  leftoverUploads(run: string): Promise<number>;
  /** The sha256 of some content, in the uri form this store uses (for refs of absent content). */
  uriFor(sha256: string): string;
  /** Deletes the content object for good (every version), so big test objects do not pile up. */
  purgeContent(ref: ArtifactRef): Promise<void>;
}

const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export function describeArtifactStoreContract(label: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`${label} artifact store`, () => {
    let h: StoreHarness;
    let scratch: string;
    // A run id of its own, so concurrent test files sharing a bucket never see each other's aliases.
    const run = `test-${randomUUID()}`;

    beforeAll(async () => {
      h = await makeHarness();
      scratch = await mkdtemp(path.join(os.tmpdir(), 'assay-store-test-'));
    });
    afterAll(async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('round-trips a buffer: the ref names the content digest and the alias resolves to it', async () => {
      const body = Buffer.from('{"rows": 3}\n');
      const ref = await h.store.put(body, { run, step: 'preprocess', name: 'manifest.json', contentType: 'application/json', meta: { rows: 3 } });

      expect(ref.sha256).toBe(sha256Hex(body));
      expect(ref.bytes).toBe(body.length);
      expect(ref.uri).toBe(h.uriFor(ref.sha256));
      expect(await h.store.getBuffer(ref)).toEqual(body);
      expect(await h.store.exists(ref)).toBe(true);

      const manifest = await h.store.resolveAlias(run, 'preprocess', 'manifest.json');
      expect(manifest).toMatchObject({ ...ref, contentType: 'application/json', meta: { rows: 3 } });
      expect(Date.parse(manifest!.createdAt)).not.toBeNaN();
    });

    it('round-trips a file through putFile/getToFile, and a stream through put/get', async () => {
      const source = path.join(scratch, 'source.bin');
      const seeded = seededByteStream(3 * MiB + 17, 7);
      await pipeline(seeded.stream, createWriteStream(source));

      const ref = await h.store.putFile(source, { run, step: 'pretrain', name: 'checkpoint.bin' });
      expect(ref).toMatchObject({ sha256: seeded.digest(), bytes: 3 * MiB + 17 });

      const target = path.join(scratch, 'copy.bin');
      await h.store.getToFile(ref, target);
      expect((await readFile(target)).equals(await readFile(source))).toBe(true);

      const streamed = await h.store.put(seededByteStream(3 * MiB + 17, 7).stream, { run, step: 'pretrain', name: 'again.bin' });
      expect(streamed).toEqual(ref); // same bytes, same content object
      expect(await digestOf(await h.store.get(streamed))).toEqual({ sha256: ref.sha256, bytes: ref.bytes });
    });

    it('round-trips an empty artifact', async () => {
      const ref = await h.store.put(Buffer.alloc(0), { run, step: 'value', name: 'empty' });
      expect(ref.bytes).toBe(0);
      expect((await h.store.getBuffer(ref)).length).toBe(0);
    });

    it('lists the aliases of a run sorted by step and name, and only that run', async () => {
      const other = `${run}-other`;
      await h.store.put(Buffer.from('b'), { run: other, step: 'zeta', name: 'x' });
      const listed = await h.store.listRun(run);
      const names = listed.map((a) => `${a.step}/${a.name}`);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['preprocess/manifest.json', 'pretrain/checkpoint.bin', 'pretrain/again.bin']));
      expect(names).not.toContain('zeta/x');
      const entry = listed.find((a) => a.name === 'manifest.json')!;
      expect(Object.keys(entry.ref).sort()).toEqual(['bytes', 'sha256', 'uri']);
      expect(await h.store.listRun(`${run}-never-written`)).toEqual([]);
    });

    it('resolves an alias that was never published to undefined', async () => {
      expect(await h.store.resolveAlias(run, 'infer', 'nothing-here')).toBeUndefined();
    });

    it('streams a 200 MB artifact in and out while RSS grows by less than 100 MB', { timeout: 180_000 }, async () => {
      const total = 200 * MiB;
      const seeded = seededByteStream(total, 2024);
      const put = await peakRssGrowth(() => h.store.put(seeded.stream, { run, step: 'pretrain', name: 'big.bin' }));
      expect(put.result).toMatchObject({ sha256: seeded.digest(), bytes: total });

      const got = await peakRssGrowth(async () => digestOf(await h.store.get(put.result)));
      expect(got.result).toEqual({ sha256: seeded.digest(), bytes: total });

      console.info(`[${label}] 200 MiB put: peak RSS +${(put.growthBytes / MiB).toFixed(1)} MiB; get: +${(got.growthBytes / MiB).toFixed(1)} MiB`);
      expect(put.growthBytes).toBeLessThan(100 * MiB);
      expect(got.growthBytes).toBeLessThan(100 * MiB);
      await h.purgeContent(put.result);
    });

    it('fails the read stream with ArtifactCorruptError when the stored bytes were changed behind its back', async () => {
      const body = Buffer.from('original artifact bytes');
      const ref = await h.store.put(body, { run, step: 'finetune', name: 'model.bin' });
      const tampered = Buffer.from('tampered artifact bytes'); // same length: only the digest can tell
      expect(tampered.length).toBe(body.length);
      await h.overwriteContent(ref, tampered);

      const error = await h.store.getBuffer(ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactCorruptError);
      const message = (error as Error).message;
      expect(message).toContain(ref.uri);
      expect(message).toContain(ref.sha256);
      expect(message).toContain(sha256Hex(tampered));
      expect(message).toContain('--no-cache');

      // A file download of a corrupt artifact leaves nothing at the target path.
      const target = path.join(scratch, 'model.bin');
      await expect(h.store.getToFile(ref, target)).rejects.toBeInstanceOf(ArtifactCorruptError);
      await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });

      // Re-running the producing step rewrites the object and heals it.
      await h.store.put(body, { run, step: 'finetune', name: 'model.bin' });
      expect(await h.store.getBuffer(ref)).toEqual(body);
    });

    it('detects a stored object that is longer than the ref says', async () => {
      const ref = await h.store.put(Buffer.from('short'), { run, step: 'finetune', name: 'short.bin' });
      await h.overwriteContent(ref, Buffer.from('short and then some'));
      await expect(h.store.getBuffer(ref)).rejects.toBeInstanceOf(ArtifactCorruptError);
      expect(await h.store.exists(ref)).toBe(false); // wrong size is not "present"
    });

    it('publishes no alias, no content and no leftover upload when the body fails mid-stream', async () => {
      const failAfter = 10 * MiB; // past one multipart part, so an upload was really started
      const seeded = seededByteStream(40 * MiB, 99, { failAfterBytes: failAfter });
      await expect(h.store.put(seeded.stream, { run, step: 'value', name: 'aborted.bin' })).rejects.toThrow(/aborted on purpose/);

      expect(await h.store.resolveAlias(run, 'value', 'aborted.bin')).toBeUndefined();
      expect((await h.store.listRun(run)).map((a) => a.name)).not.toContain('aborted.bin');
      const partial: ArtifactRef = { uri: h.uriFor(seeded.digest()), sha256: seeded.digest(), bytes: seeded.produced() };
      expect(seeded.produced()).toBe(failAfter);
      expect(await h.store.exists(partial)).toBe(false);
      expect(await h.leftoverUploads(run)).toBe(0);
    });

    it('leaves no temporary objects behind after successful puts', async () => {
      await h.store.put(Buffer.from('tidy'), { run, step: 'infer', name: 'tidy.txt' });
      expect(await h.leftoverUploads(run)).toBe(0);
    });

    it('rejects traversal and unsafe alias segments before touching the store', async () => {
      const attempts: Array<[string, string, string, string]> = [
        ['run', '..', 'step', 'name'],
        ['step', run, '../../sha256', 'x'],
        ['name', run, 'step', '../escape'],
        ['name', run, 'step', 'a/b'],
        ['run', '/etc', 'step', 'passwd'],
        ['name', run, 'step', 'bad\u0000name'],
        ['step', run, '', 'name'],
      ];
      for (const [segment, r, s, n] of attempts) {
        const error = await h.store.put(Buffer.from('x'), { run: r, step: s, name: n }).catch((e: unknown) => e);
        expect(error, `${r}/${s}/${n}`).toBeInstanceOf(InvalidArtifactKeyError);
        expect((error as InvalidArtifactKeyError).segment).toBe(segment);
        expect((error as Error).message).toContain(`${segment}=`);
        expect((error as Error).message).toMatch(/must be/);
      }
      await expect(h.store.resolveAlias(run, '..', 'x')).rejects.toBeInstanceOf(InvalidArtifactKeyError);
      await expect(h.store.listRun('../runs')).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    });

    it('refuses refs whose uri does not match its digest or this store', async () => {
      const ref = await h.store.put(Buffer.from('mine'), { run, step: 'infer', name: 'mine.txt' });
      const otherDigest = sha256Hex(Buffer.from('other'));
      const mismatched = { ...ref, sha256: otherDigest };
      await expect(h.store.get(mismatched)).rejects.toBeInstanceOf(InvalidArtifactRefError);
      const foreign = { ...ref, uri: 's3://someone-elses-bucket/sha256/' + ref.sha256 };
      await expect(h.store.get(foreign)).rejects.toBeInstanceOf(InvalidArtifactRefError);
      expect(await h.store.exists(foreign)).toBe(false);
      await expect(h.store.get({ ...ref, sha256: '../../etc/passwd' })).rejects.toBeInstanceOf(InvalidArtifactRefError);
    });

    it('reports a removed artifact as absent and fails reads with ArtifactNotFoundError', async () => {
      const ref = await h.store.put(Buffer.from('to be removed ' + run), { run, step: 'infer', name: 'gone.txt' });
      await h.store.remove(ref);
      expect(await h.store.exists(ref)).toBe(false);
      const error = await h.store.get(ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactNotFoundError);
      expect((error as Error).message).toContain(ref.uri);
    });

    it('removes an alias but not its content; removing a missing alias is no error', async () => {
      const ref = await h.store.put(Buffer.from('alias to drop ' + run), { run, step: 'pretrain', name: 'dropped.txt' });
      await h.store.removeAlias(run, 'pretrain', 'dropped.txt');
      expect(await h.store.resolveAlias(run, 'pretrain', 'dropped.txt')).toBeUndefined();
      expect((await h.store.listRun(run)).map((a) => a.name)).not.toContain('dropped.txt');
      expect(await h.store.exists(ref)).toBe(true);
      await expect(h.store.removeAlias(run, 'pretrain', 'dropped.txt')).resolves.toBeUndefined();
    });

    it('accepts a Readable of string chunks as a body', async () => {
      const ref = await h.store.put(Readable.from(['a', 'b', 'c']), { run, step: 'infer', name: 'abc.txt' });
      expect((await h.store.getBuffer(ref)).toString()).toBe('abc');
    });
  });
}
