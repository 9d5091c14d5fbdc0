// The memo fields a pipeline run carries: its identity (spec and code digests), so a backfill
// can tell whether a completed run of a partition is the run it would start again.
import type { PipelineIdentity } from '../pipeline/contract';

export const SPEC_DIGEST_MEMO = 'assaySpecDigest';
export const CODE_DIGEST_MEMO = 'assayCodeDigest';

export function identityMemo(identity: PipelineIdentity): Record<string, string> {
  return { [SPEC_DIGEST_MEMO]: identity.specDigest, [CODE_DIGEST_MEMO]: identity.codeDigest };
}

/** The identity a run's memo records, or undefined for a run started without one. */
export function identityOfMemo(memo: Record<string, unknown> | undefined): PipelineIdentity | undefined {
  const spec = memo?.[SPEC_DIGEST_MEMO];
  const code = memo?.[CODE_DIGEST_MEMO];
  return typeof spec === 'string' && typeof code === 'string' ? { specDigest: spec, codeDigest: code } : undefined;
}
