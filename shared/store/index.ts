// Entry point of the artifact store: picks MinIO when ASSAY_S3_ENDPOINT is set, otherwise the
// zero-setup local folder <ASSAY_HOME>/artifacts.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Services } from '../config/services';
import type { ArtifactStore } from './artifact-store';
import { LocalArtifactStore } from './local-store';
import { MinioArtifactStore } from './minio-store';
import { assertBucketExists, connectS3 } from './s3-connection';

/**
 * The store the environment points at. For MinIO it checks the server and the bucket and
 * creates nothing (a missing bucket is an error that says to run `assay dev up`); the local
 * folder is created on first use.
 */
export async function createArtifactStore(services: Services): Promise<ArtifactStore> {
  if (services.ASSAY_S3_ENDPOINT) {
    const conn = connectS3(services);
    await assertBucketExists(conn);
    return new MinioArtifactStore(conn);
  }
  const root = path.resolve(services.ASSAY_HOME, 'artifacts');
  await mkdir(root, { recursive: true });
  return new LocalArtifactStore(root);
}

export type { ArtifactStore, RunArtifact } from './artifact-store';
export * from './errors';
export { ArtifactManifestSchema, ArtifactRefSchema, toRef, type AliasTarget, type ArtifactManifest, type ArtifactRef } from './manifest';
export { LocalArtifactStore } from './local-store';
export { MinioArtifactStore } from './minio-store';
export { ensureBucket } from './s3-connection';
