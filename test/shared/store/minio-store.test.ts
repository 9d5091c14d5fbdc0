// The artifact store against a real MinIO (ASSAY_S3_* from the test stack). Without those
// variables every test here fails with the reason; a skipped server test proves nothing.
import { randomUUID } from 'node:crypto';
import { Client } from 'minio';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../../shared/config/services';
import { ArtifactStoreUnavailableError, createArtifactStore, ensureBucket, MinioArtifactStore } from '../../../shared/store';
import { connectS3 } from '../../../shared/store/s3-connection';
import { requireServices } from '../../support/services';
import { describeArtifactStoreContract } from './artifact-store-contract';

function services(): Services {
  const s = requireServices('ASSAY_S3_ENDPOINT');
  if (!s.ASSAY_S3_ACCESS_KEY || !s.ASSAY_S3_SECRET_KEY) {
    throw new Error('This test needs ASSAY_S3_ACCESS_KEY and ASSAY_S3_SECRET_KEY (run it through `npm test` or export them from .assay/env).');
  }
  return s;
}

/** The client behind the store's back, for corrupting objects and counting leftovers. */
function rawClient(s: Services): Client {
  return connectS3(s).client;
}

async function countLeftoverUploads(client: Client, bucket: string, run: string): Promise<number> {
  const prefix = `tmp/${run}/`;
  let count = 0;
  // Versions too: with versioning on, a plain delete would leave the bytes as a noncurrent version.
  for await (const item of client.listObjects(bucket, prefix, true, { IncludeVersion: true })) {
    if (item.name) count++;
  }
  for await (const upload of client.listIncompleteUploads(bucket, prefix, true)) {
    if (upload.key) count++;
  }
  return count;
}

beforeAll(async () => {
  const s = services();
  // The test stack creates the bucket; a private MinIO used during development may not have it.
  if (!(await rawClient(s).bucketExists(s.ASSAY_S3_BUCKET))) await ensureBucket(s, { versioning: true });
});

describeArtifactStoreContract('minio', async () => {
  const s = services();
  const client = rawClient(s);
  const store = await createArtifactStore(s);
  return {
    store,
    overwriteContent: async (ref, bytes) => {
      await client.putObject(s.ASSAY_S3_BUCKET, `sha256/${ref.sha256}`, bytes, bytes.length);
    },
    leftoverUploads: (run) => countLeftoverUploads(client, s.ASSAY_S3_BUCKET, run),
    uriFor: (sha256) => `s3://${s.ASSAY_S3_BUCKET}/sha256/${sha256}`,
    purgeContent: async (ref) => {
      // store.remove only hides the object when versioning is on; tests must not leave 200 MB behind.
      const key = `sha256/${ref.sha256}`;
      const versions: Array<{ name: string; versionId?: string }> = [];
      for await (const item of client.listObjects(s.ASSAY_S3_BUCKET, key, false, { IncludeVersion: true })) {
        if (item.name === key) versions.push({ name: key, versionId: item.versionId ?? undefined });
      }
      await client.removeObjects(s.ASSAY_S3_BUCKET, versions);
    },
  };
});

describe('minio artifact store setup and failures', () => {
  it('is chosen by createArtifactStore when ASSAY_S3_ENDPOINT is set', async () => {
    const s = services();
    const store = await createArtifactStore(s);
    expect(store).toBeInstanceOf(MinioArtifactStore);
    expect(store.kind).toBe('minio');
    expect(store.location).toContain(s.ASSAY_S3_ENDPOINT!);
  });

  it('refuses a missing bucket without creating it, saying to run `assay dev up`', async () => {
    const s = { ...services(), ASSAY_S3_BUCKET: `assay-missing-${randomUUID().slice(0, 8)}` };
    const error = await createArtifactStore(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactStoreUnavailableError);
    expect((error as Error).message).toContain(s.ASSAY_S3_BUCKET);
    expect((error as Error).message).toContain('assay dev up');
    expect(await rawClient(s).bucketExists(s.ASSAY_S3_BUCKET)).toBe(false);
  });

  it('explains wrong credentials, naming the endpoint and the variables to check', async () => {
    const s = { ...services(), ASSAY_S3_SECRET_KEY: 'definitely-not-the-secret' };
    const error = await createArtifactStore(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactStoreUnavailableError);
    expect((error as Error).message).toContain(s.ASSAY_S3_ENDPOINT!);
    expect((error as Error).message).toContain('ASSAY_S3_SECRET_KEY');
    expect((error as Error).cause).toBeDefined();
  });

  it('works on a bucket without versioning, leaving nothing in tmp/', async () => {
    const base = services();
    const s = { ...base, ASSAY_S3_BUCKET: `assay-unversioned-${randomUUID().slice(0, 8)}` };
    await ensureBucket(s, { versioning: false });
    const client = rawClient(s);
    try {
      const store = await createArtifactStore(s);
      const ref = await store.put(Buffer.from('unversioned'), { run: 'r', step: 'infer', name: 'out.txt' });
      expect((await store.getBuffer(ref)).toString()).toBe('unversioned');
      expect(await countLeftoverUploads(client, s.ASSAY_S3_BUCKET, 'r')).toBe(0);
    } finally {
      const names: string[] = [];
      for await (const item of client.listObjects(s.ASSAY_S3_BUCKET, '', true)) if (item.name) names.push(item.name);
      await client.removeObjects(s.ASSAY_S3_BUCKET, names);
      await client.removeBucket(s.ASSAY_S3_BUCKET);
    }
  });

  it('ensureBucket turns versioning on and is safe to call again', async () => {
    const s = services();
    await ensureBucket(s, { versioning: true });
    await ensureBucket(s, { versioning: true });
    expect(await rawClient(s).getBucketVersioning(s.ASSAY_S3_BUCKET)).toMatchObject({ Status: 'Enabled' });
  });
});
