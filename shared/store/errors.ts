// Errors the artifact store raises. Each names what failed, where, and what to do next, and
// has a stable `name` so activities can map it to a retryable or non-retryable failure:
// key/ref/corruption errors are the caller's or the data's fault (retrying will not help),
// ArtifactStoreUnavailableError is infrastructure (retry with backoff).

/** A run/step/name segment that could escape its prefix or is otherwise unsafe as a key. */
export class InvalidArtifactKeyError extends Error {
  override readonly name = 'InvalidArtifactKeyError';
  constructor(
    readonly segment: string,
    readonly value: string,
    readonly rule: string,
  ) {
    super(`Invalid artifact key: ${segment}=${JSON.stringify(value)} ${rule}. Use a plain name such as "train", "step-1" or "model.onnx".`);
  }
}

/** A ref that is malformed or belongs to a different store than the one asked to read it. */
export class InvalidArtifactRefError extends Error {
  override readonly name = 'InvalidArtifactRefError';
  constructor(
    readonly uri: string,
    reason: string,
  ) {
    super(`Invalid artifact ref ${JSON.stringify(uri)}: ${reason}`);
  }
}

/** The stored bytes do not hash to the digest the ref promises. */
export class ArtifactCorruptError extends Error {
  override readonly name = 'ArtifactCorruptError';
  constructor(
    readonly uri: string,
    readonly expected: { sha256: string; bytes: number },
    readonly actual: { sha256: string | undefined; bytes: number },
  ) {
    const actualDigest = actual.sha256 ?? '(not computed: size already wrong)';
    super(
      `Artifact ${uri} is corrupt: expected sha256 ${expected.sha256} (${expected.bytes} bytes), ` +
        `read sha256 ${actualDigest} (${actual.bytes} bytes). ` +
        'The stored object was changed after it was written. Re-run the step that produced it with --no-cache to rewrite it.',
    );
  }
}

/** The content object a ref (or alias) points to is not in the store. */
export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';
  constructor(readonly uri: string) {
    super(`Artifact ${uri} is not in the store (removed, or written to a different store). Re-run the step that produced it with --no-cache.`);
  }
}

/** The store's server could not be used: unreachable, wrong credentials, missing bucket. */
export class ArtifactStoreUnavailableError extends Error {
  override readonly name = 'ArtifactStoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
