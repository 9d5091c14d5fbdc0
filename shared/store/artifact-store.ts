// The one interface both artifact stores (MinIO, local folder) implement, plus the file and
// buffer conveniences they share, written once on top of the streaming put/get.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AliasTarget, ArtifactManifest, ArtifactRef } from './manifest';

export interface RunArtifact {
  step: string;
  name: string;
  /** just {uri, sha256, bytes}: what workflow payloads carry */
  ref: ArtifactRef;
  /** the whole alias manifest (content type, creation time, meta) */
  manifest: ArtifactManifest;
}

export interface ArtifactStore {
  readonly kind: 'minio' | 'local';
  /** where the store lives, for messages: s3://<bucket> at <endpoint>, or file:///<root> */
  readonly location: string;
  /**
   * Streams `body` into the store under its sha256, then publishes the alias
   * runs/<run>/<step>/<name>. The alias appears only once the content is completely written
   * and verified; a failed put publishes nothing.
   */
  put(body: Readable | Buffer, alias: AliasTarget): Promise<ArtifactRef>;
  putFile(filePath: string, alias: AliasTarget): Promise<ArtifactRef>;
  /** A stream of the content that errors with ArtifactCorruptError if the bytes do not match the ref. */
  get(ref: ArtifactRef): Promise<Readable>;
  /** Writes the verified content to `filePath`; on failure nothing is left at `filePath`. */
  getToFile(ref: ArtifactRef, filePath: string): Promise<void>;
  /** The verified content in memory; meant for small artifacts (manifests, metrics, configs). */
  getBuffer(ref: ArtifactRef): Promise<Buffer>;
  /** True when this store holds the ref's content object with the right size (no re-hash). */
  exists(ref: ArtifactRef): Promise<boolean>;
  resolveAlias(run: string, step: string, name: string): Promise<ArtifactManifest | undefined>;
  /** Every alias of a run, sorted by step then name. */
  listRun(run: string): Promise<RunArtifact[]>;
  /** Deletes the content object (aliases pointing to it then fail with ArtifactNotFoundError). */
  remove(ref: ArtifactRef): Promise<void>;
  /** Deletes the alias runs/<run>/<step>/<name> (not its content); a missing alias is no error. */
  removeAlias(run: string, step: string, name: string): Promise<void>;
}

/** putFile/getToFile/getBuffer in terms of the streaming put/get each store implements. */
export abstract class StreamingArtifactStore implements ArtifactStore {
  abstract readonly kind: 'minio' | 'local';
  abstract readonly location: string;
  abstract put(body: Readable | Buffer, alias: AliasTarget): Promise<ArtifactRef>;
  abstract get(ref: ArtifactRef): Promise<Readable>;
  abstract exists(ref: ArtifactRef): Promise<boolean>;
  abstract resolveAlias(run: string, step: string, name: string): Promise<ArtifactManifest | undefined>;
  abstract listRun(run: string): Promise<RunArtifact[]>;
  abstract remove(ref: ArtifactRef): Promise<void>;
  abstract removeAlias(run: string, step: string, name: string): Promise<void>;

  putFile(filePath: string, alias: AliasTarget): Promise<ArtifactRef> {
    return this.put(createReadStream(filePath), alias);
  }

  async getToFile(ref: ArtifactRef, filePath: string): Promise<void> {
    // Download next to the target and rename, so a reader of filePath never sees a partial
    // or unverified file, and a failure leaves nothing behind.
    const partial = path.join(path.dirname(filePath), `.${path.basename(filePath)}.partial-${randomUUID()}`);
    try {
      await pipeline(await this.get(ref), createWriteStream(partial));
      await rename(partial, filePath);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async getBuffer(ref: ArtifactRef): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(ref)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
