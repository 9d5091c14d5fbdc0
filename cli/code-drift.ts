// Says when the workers that ran a run's steps had other code than the client that started it:
// a data engineer reading the metrics must know they came from another version.
import type { StepResult } from '../shared/pipeline/contract';

/** One line per code version that differs from the client's, naming its steps; empty when all match. */
export function codeDrift(clientVersion: string, steps: ReadonlyArray<Pick<StepResult, 'step' | 'variant' | 'codeVersion' | 'worker'>>): string[] {
  const byVersion = new Map<string, string[]>();
  for (const s of steps) {
    if (s.codeVersion === clientVersion) continue;
    const names = byVersion.get(s.codeVersion) ?? [];
    names.push(`${s.step}${s.variant ? `(${s.variant})` : ''} on ${s.worker}`);
    byVersion.set(s.codeVersion, names);
  }
  return [...byVersion].map(([version, names]) => `code differs: client ${clientVersion}, worker ${version} ran ${names.join(', ')}`);
}
