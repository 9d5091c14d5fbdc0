// Connecting to the S3 server (MinIO) named by ASSAY_S3_*, and turning its failures into
// errors that say which endpoint failed and how to fix it.
import { Client } from 'minio';
import type { Services } from '../config/services';
import { ArtifactStoreUnavailableError } from './errors';
import { TMP_PREFIX } from './keys';

export interface S3Connection {
  client: Client;
  endpoint: string;
  bucket: string;
}

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);
const CREDENTIAL_ERROR_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied']);

/** A client for ASSAY_S3_ENDPOINT; throws a clear error when the settings are incomplete. */
export function connectS3(services: Services): S3Connection {
  const endpoint = services.ASSAY_S3_ENDPOINT;
  if (!endpoint) throw new Error('internal: connectS3 called without ASSAY_S3_ENDPOINT');
  const missing = (['ASSAY_S3_ACCESS_KEY', 'ASSAY_S3_SECRET_KEY'] as const).filter((k) => !services[k]);
  if (missing.length > 0) {
    throw new ArtifactStoreUnavailableError(
      `ASSAY_S3_ENDPOINT=${endpoint} is set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not. ` +
        'Set the MinIO credentials (`assay dev up` writes them to .assay/env), or unset ASSAY_S3_ENDPOINT to use the local artifact folder.',
    );
  }
  const url = new URL(endpoint);
  const useSSL = url.protocol === 'https:';
  const client = new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: services.ASSAY_S3_ACCESS_KEY!,
    secretKey: services.ASSAY_S3_SECRET_KEY!,
    // MinIO's default region; naming it saves a GetBucketLocation round trip per bucket.
    region: 'us-east-1',
    pathStyle: true,
  });
  return { client, endpoint, bucket: services.ASSAY_S3_BUCKET };
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for S3 "no such object" answers (GET says NoSuchKey, HEAD says NotFound). */
export function isNotFound(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchVersion';
}

/**
 * Wraps connection, credential and missing-bucket failures in ArtifactStoreUnavailableError
 * (keeping the cause); anything else is returned unchanged.
 */
export function explainS3Error(conn: Pick<S3Connection, 'endpoint' | 'bucket'>, action: string, err: unknown): Error {
  const code = errorCode(err);
  const where = `${action} at ${conn.endpoint} (bucket ${conn.bucket})`;
  if (code && NETWORK_ERROR_CODES.has(code)) {
    return new ArtifactStoreUnavailableError(
      `Artifact store unreachable: ${where} failed with ${code}. Start the dev stack with \`assay dev up\`, or check ASSAY_S3_ENDPOINT.`,
      { cause: err },
    );
  }
  if (code && CREDENTIAL_ERROR_CODES.has(code)) {
    return new ArtifactStoreUnavailableError(
      `Artifact store rejected the credentials: ${where} failed with ${code}. Check ASSAY_S3_ACCESS_KEY and ASSAY_S3_SECRET_KEY (\`assay dev up\` writes them to .assay/env).`,
      { cause: err },
    );
  }
  if (code === 'NoSuchBucket') return missingBucketError(conn, err);
  return err instanceof Error ? err : new Error(`${where} failed: ${String(err)}`);
}

function missingBucketError(conn: Pick<S3Connection, 'endpoint' | 'bucket'>, cause?: unknown): ArtifactStoreUnavailableError {
  return new ArtifactStoreUnavailableError(
    `Artifact bucket "${conn.bucket}" does not exist at ${conn.endpoint}. Run \`assay dev up\` (it creates the bucket with versioning), ` +
      'or create it yourself, or point ASSAY_S3_BUCKET at an existing bucket.',
    cause === undefined ? undefined : { cause },
  );
}

/** Runs one S3 call, explaining its infrastructure failures. */
export async function s3Call<T>(conn: Pick<S3Connection, 'endpoint' | 'bucket'>, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw explainS3Error(conn, action, err);
  }
}

/** Fails with a clear message unless the bucket exists; creates nothing. */
export async function assertBucketExists(conn: S3Connection): Promise<void> {
  const exists = await s3Call(conn, 'checking the bucket', () => conn.client.bucketExists(conn.bucket));
  if (!exists) throw missingBucketError(conn);
}

/**
 * Creates the artifact bucket if it is missing (for `assay dev up`), turns versioning on when
 * asked, and expires abandoned uploads under tmp/ after a day so crashed puts do not
 * accumulate. Safe to call repeatedly.
 */
export async function ensureBucket(services: Services, options: { versioning: boolean } = { versioning: true }): Promise<void> {
  if (!services.ASSAY_S3_ENDPOINT) throw new Error('ensureBucket needs ASSAY_S3_ENDPOINT (the local artifact folder has no bucket).');
  const conn = connectS3(services);
  const { client, bucket } = conn;
  const exists = await s3Call(conn, 'checking the bucket', () => client.bucketExists(bucket));
  if (!exists) {
    try {
      await client.makeBucket(bucket, 'us-east-1');
    } catch (err) {
      // Another process may have created it between the check and here.
      const code = errorCode(err);
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw explainS3Error(conn, 'creating the bucket', err);
    }
  }
  if (options.versioning) {
    await s3Call(conn, 'enabling versioning', () => client.setBucketVersioning(bucket, { Status: 'Enabled' }));
  }
  await s3Call(conn, 'setting the tmp/ expiry rule', () =>
    client.setBucketLifecycle(bucket, {
      Rule: [
        {
          ID: 'assay-expire-abandoned-uploads',
          Status: 'Enabled',
          Filter: { Prefix: TMP_PREFIX },
          Expiration: { Days: 1 },
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
      ],
    }),
  );
}
