// Object keys of the artifact store, relative to its root (a bucket or a folder):
//   sha256/<64 hex>              the content, addressed by its digest
//   runs/<run>/<step>/<name>     a JSON manifest (alias) pointing at a content object
//   tmp/...                      uploads in progress; never read through the API
// Segments are validated so a caller-supplied name can never climb out of its prefix,
// whether the root is an S3 bucket or a directory on disk.
import { createHash } from 'node:crypto';
import { InvalidArtifactKeyError } from './errors';

export const CONTENT_PREFIX = 'sha256/';
export const RUNS_PREFIX = 'runs/';
export const TMP_PREFIX = 'tmp/';

const SEGMENT_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._=+-]*$/;
const SEGMENT_MAX = 128;
const SEGMENT_RULE =
  `must be 1-${SEGMENT_MAX} characters of A-Z a-z 0-9 . _ = + -, start with a letter, digit or _, and not contain ".."` +
  ' (no "/", no absolute paths, no spaces or control characters)';
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

export type AliasSegment = 'run' | 'step' | 'name';

/** Throws InvalidArtifactKeyError unless `value` is safe as one key segment. */
export function assertSafeSegment(segment: AliasSegment, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new InvalidArtifactKeyError(segment, String(value), SEGMENT_RULE);
  if (!isSafeSegment(value)) {
    throw new InvalidArtifactKeyError(segment, value, SEGMENT_RULE);
  }
}

function isSafeSegment(value: string): boolean {
  return value.length > 0 && value.length <= SEGMENT_MAX && SEGMENT_PATTERN.test(value) && !value.includes('..');
}

/**
 * A key segment for any name a user may legally give a file ("my events.csv", "données.csv"):
 * the name itself when already safe, else its safe characters plus a digest of the whole name,
 * so two names never share a segment and none can climb out of its prefix.
 */
export function segmentFor(name: string): string {
  if (isSafeSegment(name)) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 12);
  const readable = name.replace(/[^A-Za-z0-9._=+-]+/g, '_').replace(/\.{2,}/g, '.').replace(/^[^A-Za-z0-9_]+/, '');
  return `${readable.slice(0, SEGMENT_MAX - digest.length - 1)}-${digest}`.replace(/^-/, '_');
}

export function isSha256Hex(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

export function contentKey(sha256: string): string {
  if (!isSha256Hex(sha256)) throw new Error(`internal: not a lowercase sha256 hex digest: ${JSON.stringify(sha256)}`);
  return `${CONTENT_PREFIX}${sha256}`;
}

export function runPrefix(run: string): string {
  assertSafeSegment('run', run);
  return `${RUNS_PREFIX}${run}/`;
}

export function aliasKey(run: string, step: string, name: string): string {
  assertSafeSegment('step', step);
  assertSafeSegment('name', name);
  return `${runPrefix(run)}${step}/${name}`;
}

/** Splits `runs/<run>/<step>/<name>` back into its parts; undefined for anything else. */
export function parseAliasKey(key: string): { run: string; step: string; name: string } | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || `${parts[0]}/` !== RUNS_PREFIX) return undefined;
  const [, run, step, name] = parts as [string, string, string, string];
  const safe = [run, step, name].every(isSafeSegment);
  return safe ? { run, step, name } : undefined;
}
