// The shapes that cross the store's boundary: refs (what workflow payloads carry) and alias
// manifests (the small JSON document stored at runs/<run>/<step>/<name>).
import { z } from 'zod';
import { issueList } from '../config/zod-issues';

export const ArtifactRefSchema = z.object({
  /** s3://<bucket>/sha256/<digest> or file:///<root>/sha256/<digest> */
  uri: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256 digest'),
  bytes: z.number().int().nonnegative(),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

export const ArtifactManifestSchema = ArtifactRefSchema.extend({
  contentType: z.string().min(1),
  /** ISO 8601 time the alias was published */
  createdAt: z.string().datetime(),
  meta: z.record(z.string(), z.unknown()),
});
export type ArtifactManifest = z.infer<typeof ArtifactManifestSchema>;

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Where a put publishes its alias, and what the manifest records beside the ref. */
export interface AliasTarget {
  run: string;
  step: string;
  name: string;
  contentType?: string;
  meta?: Record<string, unknown>;
}

export function buildManifest(ref: ArtifactRef, target: AliasTarget, now: Date = new Date()): ArtifactManifest {
  return ArtifactManifestSchema.parse({
    uri: ref.uri,
    sha256: ref.sha256,
    bytes: ref.bytes,
    contentType: target.contentType ?? DEFAULT_CONTENT_TYPE,
    createdAt: now.toISOString(),
    meta: target.meta ?? {},
  });
}

/** Parses a stored manifest; a bad one names where it lives and what is wrong with it. */
export function parseManifest(text: string, location: string): ArtifactManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Alias manifest at ${location} is not valid JSON (${(err as Error).message}). Re-run the step that wrote it with --no-cache.`, { cause: err });
  }
  const parsed = ArtifactManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = issueList(parsed.error);
    throw new Error(`Alias manifest at ${location} is not a valid Assay manifest (${issues}). Re-run the step that wrote it with --no-cache.`);
  }
  return parsed.data;
}

/** Just the ref part of a manifest, for workflow payloads that must carry references only. */
export function toRef(ref: ArtifactRef): ArtifactRef {
  return { uri: ref.uri, sha256: ref.sha256, bytes: ref.bytes };
}
