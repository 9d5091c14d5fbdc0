// The artifact store on an S3 bucket (MinIO). A put streams the body into tmp/<uuid> in
// bounded multipart chunks while hashing it, checks the stored size, server-side copies it to
// sha256/<digest> and only then writes the alias manifest, so readers never see a partial
// artifact. Works with bucket versioning on or off: temporary objects are deleted by
// version id, so versioning does not keep their bytes around.
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CopyDestinationOptions, CopySourceOptions } from 'minio';
import { StreamingArtifactStore, type RunArtifact } from './artifact-store';
import { verifyingStream } from './digest-stream';
import { ArtifactNotFoundError, InvalidArtifactRefError } from './errors';
import { aliasKey, contentKey, parseAliasKey, runPrefix, TMP_PREFIX } from './keys';
import {
  ArtifactRefSchema,
  buildManifest,
  DEFAULT_CONTENT_TYPE,
  parseManifest,
  toRef,
  type AliasTarget,
  type ArtifactManifest,
  type ArtifactRef,
} from './manifest';
import { explainS3Error, isNotFound, s3Call, type S3Connection } from './s3-connection';
import { issueList } from '../config/zod-issues';

/** Bytes held in memory per upload: one part. S3 needs >= 5 MiB for every part but the last. */
const PART_SIZE = 8 * 1024 * 1024;
/** Past this many parts, parts grow so the 10 000-part limit is reached only beyond ~570 GiB. */
const SMALL_PART_COUNT = 1000;
const LARGE_PART_SIZE = 64 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** S3's limit for a single CopyObject; larger objects are copied part by part. */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 * 1024 * 1024;
/** Object metadata recording the digest the store verified when it wrote the object. */
const DIGEST_META = 'assay-sha256';
const MAX_MANIFEST_BYTES = 1024 * 1024;

interface StagedObject {
  sha256: string;
  bytes: number;
  versionId: string | null;
}

export class MinioArtifactStore extends StreamingArtifactStore {
  readonly kind = 'minio' as const;
  readonly location: string;

  constructor(private readonly conn: S3Connection) {
    super();
    this.location = `s3://${conn.bucket} at ${conn.endpoint}`;
  }

  private uriOf(key: string): string {
    return `s3://${this.conn.bucket}/${key}`;
  }

  private call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return s3Call(this.conn, action, fn);
  }

  async put(body: Readable | Buffer, alias: AliasTarget): Promise<ArtifactRef> {
    const publishKey = aliasKey(alias.run, alias.step, alias.name);
    // Under the alias's own path, so a leftover upload says which step left it.
    const tmpKey = `${TMP_PREFIX}${alias.run}/${alias.step}/${alias.name}/${randomUUID()}`;
    const staged = await this.stage(tmpKey, body);
    try {
      const stat = await this.call(`checking upload ${tmpKey}`, () => this.conn.client.statObject(this.conn.bucket, tmpKey));
      if (stat.size !== staged.bytes) {
        throw new Error(`Upload ${this.uriOf(tmpKey)} holds ${stat.size} bytes but ${staged.bytes} were sent; retry the step.`);
      }
      const key = contentKey(staged.sha256);
      if (!(await this.holdsVerified(key, staged))) await this.copyInto(tmpKey, staged, key, alias.contentType ?? DEFAULT_CONTENT_TYPE);

      const ref: ArtifactRef = { uri: this.uriOf(key), sha256: staged.sha256, bytes: staged.bytes };
      const manifest = Buffer.from(JSON.stringify(buildManifest(ref, alias), null, 2));
      await this.call(`publishing alias ${publishKey}`, () =>
        this.conn.client.putObject(this.conn.bucket, publishKey, manifest, manifest.length, { 'Content-Type': 'application/json' }),
      );
      return ref;
    } finally {
      // Best effort: if this fails, the bucket's tmp/ expiry rule (ensureBucket) collects it.
      await this.conn.client.removeObject(this.conn.bucket, tmpKey, staged.versionId ? { versionId: staged.versionId } : undefined).catch(() => {});
    }
  }

  /** Streams `body` to `key` one part at a time, hashing as it goes; aborts the upload on failure. */
  private async stage(key: string, body: Readable | Buffer): Promise<StagedObject> {
    const { client, bucket } = this.conn;
    const hash = createHash('sha256');
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let uploadId: string | undefined;
    const parts: { part: number; etag: string }[] = [];

    const uploadPart = async (payload: Buffer): Promise<void> => {
      if (parts.length >= MAX_PARTS) throw new Error(`Artifact exceeds the ${MAX_PARTS}-part multipart limit after ${bytes} bytes.`);
      const id = (uploadId ??= await this.call(`starting upload ${key}`, () => client.initiateNewMultipartUpload(bucket, key, {})));
      const part = parts.length + 1;
      const md5 = createHash('md5').update(payload).digest('base64');
      const res = await this.call(`uploading part ${part} of ${key}`, () =>
        client.uploadPart({ bucketName: bucket, objectName: key, uploadID: id, partNumber: part, headers: { 'Content-MD5': md5 } }, payload),
      );
      parts.push({ part, etag: res.etag });
    };

    try {
      for await (const chunk of Buffer.isBuffer(body) ? [body] : body) {
        const buf = toBuffer(chunk);
        hash.update(buf);
        bytes += buf.length;
        pending.push(buf);
        pendingBytes += buf.length;
        for (let size = partSizeAfter(parts.length); pendingBytes >= size; size = partSizeAfter(parts.length)) {
          const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
          const rest = joined.subarray(size);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
          await uploadPart(joined.subarray(0, size));
        }
      }
      const last = Buffer.concat(pending, pendingBytes);
      let versionId: string | null;
      if (uploadId === undefined) {
        // Smaller than one part: a single PUT is atomic and cheaper than a multipart upload.
        const res = await this.call(`uploading ${key}`, () => client.putObject(bucket, key, last, last.length));
        versionId = res.versionId ?? null;
      } else {
        if (last.length > 0) await uploadPart(last);
        const id = uploadId;
        const res = await this.call(`completing upload ${key}`, () => client.completeMultipartUpload(bucket, key, id, parts));
        versionId = res.versionId ?? null;
      }
      return { sha256: hash.digest('hex'), bytes, versionId };
    } catch (err) {
      const id = uploadId;
      if (id !== undefined) await client.abortMultipartUpload(bucket, key, id).catch(() => {});
      throw err;
    }
  }

  /** True when `key` already holds this exact content, as recorded when the store wrote it. */
  private async holdsVerified(key: string, staged: StagedObject): Promise<boolean> {
    try {
      const stat = await this.conn.client.statObject(this.conn.bucket, key);
      // An object written behind the store's back lacks (or contradicts) the digest record,
      // and is replaced, so re-running the producing step heals a corrupted artifact.
      return stat.size === staged.bytes && stat.metaData[DIGEST_META] === staged.sha256;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw explainS3Error(this.conn, `checking ${key}`, err);
    }
  }

  private async copyInto(tmpKey: string, staged: StagedObject, key: string, contentType: string): Promise<void> {
    const { client, bucket } = this.conn;
    const source = new CopySourceOptions({ Bucket: bucket, Object: tmpKey, VersionID: staged.versionId ?? '' });
    const dest = new CopyDestinationOptions({
      Bucket: bucket,
      Object: key,
      MetadataDirective: 'REPLACE',
      UserMetadata: { [DIGEST_META]: staged.sha256 },
      Headers: { 'Content-Type': contentType },
    });
    await this.call(`copying ${tmpKey} to ${key}`, async () => {
      if (staged.bytes <= MAX_SINGLE_COPY_BYTES) await client.copyObject(source, dest);
      else await client.composeObject(dest, [source]);
    });
    const copied = await this.call(`checking ${key}`, () => client.statObject(bucket, key));
    if (copied.size !== staged.bytes) throw new Error(`Copy to ${this.uriOf(key)} holds ${copied.size} bytes, expected ${staged.bytes}; retry the step.`);
  }

  /** The object key of a ref's content; throws for malformed refs or refs of another store. */
  private keyOf(ref: ArtifactRef): string {
    const parsed = ArtifactRefSchema.safeParse(ref);
    if (!parsed.success) {
      const issues = issueList(parsed.error);
      throw new InvalidArtifactRefError(String((ref as { uri?: unknown })?.uri), issues);
    }
    const key = contentKey(ref.sha256);
    if (ref.uri !== this.uriOf(key)) {
      throw new InvalidArtifactRefError(ref.uri, `this store (${this.location}) keeps sha256 ${ref.sha256} at ${this.uriOf(key)}; the ref was written by another store or names another digest`);
    }
    return key;
  }

  async get(ref: ArtifactRef): Promise<Readable> {
    const key = this.keyOf(ref);
    let source: Readable;
    try {
      source = await this.conn.client.getObject(this.conn.bucket, key);
    } catch (err) {
      if (isNotFound(err)) throw new ArtifactNotFoundError(ref.uri);
      throw explainS3Error(this.conn, `reading ${key}`, err);
    }
    return verifyingStream(source, ref, (err) => explainS3Error(this.conn, `reading ${key}`, err));
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    let key: string;
    try {
      key = this.keyOf(ref);
    } catch (err) {
      // A well-formed ref of another store is simply not here; a malformed one is a bug.
      if (err instanceof InvalidArtifactRefError && ArtifactRefSchema.safeParse(ref).success) return false;
      throw err;
    }
    try {
      return (await this.conn.client.statObject(this.conn.bucket, key)).size === ref.bytes;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw explainS3Error(this.conn, `checking ${key}`, err);
    }
  }

  async resolveAlias(run: string, step: string, name: string): Promise<ArtifactManifest | undefined> {
    const key = aliasKey(run, step, name);
    let stream: Readable;
    try {
      stream = await this.conn.client.getObject(this.conn.bucket, key);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw explainS3Error(this.conn, `reading alias ${key}`, err);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream) {
        size += (chunk as Buffer).length;
        if (size > MAX_MANIFEST_BYTES) throw new Error(`Alias ${this.uriOf(key)} is over ${MAX_MANIFEST_BYTES} bytes; it is not an Assay manifest.`);
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      stream.destroy();
      throw explainS3Error(this.conn, `reading alias ${key}`, err);
    }
    return parseManifest(Buffer.concat(chunks).toString('utf8'), this.uriOf(key));
  }

  async listRun(run: string): Promise<RunArtifact[]> {
    const prefix = runPrefix(run);
    const keys = await this.call(`listing ${prefix}`, async () => {
      const names: string[] = [];
      for await (const item of this.conn.client.listObjectsV2(this.conn.bucket, prefix, true)) {
        if (typeof item.name === 'string') names.push(item.name);
      }
      return names;
    });
    const found: RunArtifact[] = [];
    for (const key of keys) {
      const parsed = parseAliasKey(key);
      if (!parsed || parsed.run !== run) continue;
      const manifest = await this.resolveAlias(run, parsed.step, parsed.name);
      if (manifest) found.push({ step: parsed.step, name: parsed.name, ref: toRef(manifest), manifest });
    }
    return found.sort((a, b) => a.step.localeCompare(b.step) || a.name.localeCompare(b.name));
  }

  async remove(ref: ArtifactRef): Promise<void> {
    const key = this.keyOf(ref);
    await this.call(`removing ${key}`, () => this.conn.client.removeObject(this.conn.bucket, key));
  }

  async removeAlias(run: string, step: string, name: string): Promise<void> {
    const key = aliasKey(run, step, name);
    await this.call(`removing alias ${key}`, () => this.conn.client.removeObject(this.conn.bucket, key));
  }
}

function partSizeAfter(partsUploaded: number): number {
  return partsUploaded < SMALL_PART_COUNT ? PART_SIZE : LARGE_PART_SIZE;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`put() body yielded a ${typeof chunk}; expected bytes (Buffer, Uint8Array or string chunks).`);
}
