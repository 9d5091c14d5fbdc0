// The bench's fine-tunes may skip the shared pretrain only where the quarantine mode never reads it.
import { describe, expect, it } from 'vitest';
import { finetuneAndEvaluate } from '../../bench/valuation/pipeline-path';
import type { SplitDataset } from '../../shared/data';
import { tinySpec } from '../support/pipeline';

describe('finetuneAndEvaluate without the shared pretrain', () => {
  it('is refused for a mode that fine-tunes from it, naming the mode', async () => {
    const spec = tinySpec('no-pretrain', { valuation: { method: 'cross-fit', keep: 0.9, quarantine: 'context' } } as never);
    const examples = { indices: Int32Array.of(0, 1), weights: Float32Array.of(1, 1) };
    await expect(finetuneAndEvaluate({} as SplitDataset, undefined, spec, examples)).rejects.toThrow(/quarantine 'context' fine-tunes from the shared pretrain/);
    await expect(finetuneAndEvaluate({} as SplitDataset, undefined, spec)).rejects.toThrow(/the control fine-tunes from the shared pretrain, and none was given/);
  });
});
