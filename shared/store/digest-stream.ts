// Streams that hash what flows through them, so no artifact is ever held whole in memory
// just to compute or check its digest.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ArtifactCorruptError } from './errors';
import type { ArtifactRef } from './manifest';

/** Passes bytes through unchanged while computing their sha256 and count. */
export class DigestingTransform extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    done();
  }

  /** The digest and size of everything that passed; only valid once the stream has ended. */
  result(): { sha256: string; bytes: number } {
    if (this.digest === undefined) throw new Error('internal: DigestingTransform.result() called before the stream ended');
    return { sha256: this.digest, bytes: this.count };
  }
}

/** Re-emits the bytes of `source` and fails with ArtifactCorruptError if they do not match `expected`. */
class VerifyingTransform extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  constructor(private readonly expected: ArtifactRef) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    // Fail as soon as the object is longer than promised instead of streaming the excess.
    if (this.count > this.expected.bytes) {
      done(new ArtifactCorruptError(this.expected.uri, this.expected, { sha256: undefined, bytes: this.count }));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual !== this.expected.sha256 || this.count !== this.expected.bytes) {
      done(new ArtifactCorruptError(this.expected.uri, this.expected, { sha256: actual, bytes: this.count }));
      return;
    }
    done();
  }
}

/**
 * Wraps `source` in a stream that yields the same bytes and errors with ArtifactCorruptError
 * at the end when they do not hash to `expected`. Consumers must treat a stream error as
 * failure (stream.pipeline does); bytes seen before the error are not trustworthy.
 * Errors of `source` itself are passed through `mapSourceError` (to name the server, say).
 */
export function verifyingStream(source: Readable, expected: ArtifactRef, mapSourceError: (err: unknown) => Error = (e) => e as Error): Readable {
  const verifier = new VerifyingTransform(expected);
  source.on('error', (err) => verifier.destroy(mapSourceError(err)));
  // A consumer that stops early (or a verification failure) must release the source,
  // which for S3 is an open HTTP response.
  verifier.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(verifier);
  return verifier;
}

/** A file's sha256 and size, streamed. */
export async function digestFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
