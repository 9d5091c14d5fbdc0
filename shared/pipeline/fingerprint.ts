// The step cache key: sha256(step, the digest of the code it runs (code-digest.ts), the
// compute backend, the config subset the step reads, input artifact digests by name).
// Canonical JSON (sorted keys) so key order in a spec file never changes a fingerprint.
import { createHash } from 'node:crypto';
import type { ArtifactRef } from '../store/manifest';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface FingerprintParts {
  step: string;
  /** CodeDigest.digest of the step's module graph, kernels and lockfile */
  code: string;
  /** the compute backend the step runs on: another backend may give other numbers */
  backend: string;
  config: unknown;
  /** only the digest counts: raw sources are fingerprinted before they are stored */
  inputs: Record<string, Pick<ArtifactRef, 'sha256'>>;
}

export function stepFingerprint(parts: FingerprintParts): string {
  const inputs = Object.keys(parts.inputs).sort().map((name) => [name, parts.inputs[name]!.sha256]);
  return createHash('sha256').update(canonicalJson({ step: parts.step, code: parts.code, backend: parts.backend, config: parts.config, inputs })).digest('hex');
}
