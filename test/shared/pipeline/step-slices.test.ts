// Each step reads only its config slice, and the slice is what its fingerprint covers: a spec
// field a step reads must be in its slice, one it does not read must not be.
import { describe, expect, it } from 'vitest';
import { STEPS, type RunIdentity } from '../../../shared/pipeline/contract';
import type { StepCall } from '../../../shared/pipeline/step';
import { STEP_DEFINITIONS } from '../../../shared/pipeline/steps';
import { finetuneStep } from '../../../shared/pipeline/steps/finetune';
import { valueStep } from '../../../shared/pipeline/steps/value';
import { inferStep } from '../../../shared/pipeline/steps/infer';
import { QUARANTINE_MODES } from '../../../shared/valuation/quarantine';
import { tinySpec } from '../../support/pipeline';

const run: RunIdentity = { runId: 'r', executionId: 'e', dataset: 'd', partition: 'p', codeVersion: 'test' };
const call = (variant?: 'valued' | 'control'): StepCall => ({ run, inputs: {}, variant, noCache: true });

describe('step config slices', () => {
  it('early stopping brings the infer settings it scores validation with into the fine-tune slice, and only then', () => {
    const plain = tinySpec('slices');
    const stopping = tinySpec('slices', { finetune: { epochs: 3, batchSize: 128, earlyStopping: { patience: 1 } } });
    expect(finetuneStep.config(plain, call('control'))).toEqual({ finetune: plain.finetune });
    expect(finetuneStep.config(stopping, call('control'))).toEqual({ finetune: stopping.finetune, infer: stopping.infer });
    expect(Object.keys(finetuneStep.config(plain, call('valued')) as object).sort()).toEqual(['finetune', 'selection']);
  });

  it('the value step reads the search settings only when it values search clicks', () => {
    const plain = tinySpec('slices');
    const searching = tinySpec('slices', { infer: { search: { epochs: 1 } } });
    const valuing = tinySpec('slices', { infer: { search: { epochs: 1, valuation: { keeps: [1, 0.8] } } } });
    expect(valueStep.config(searching, call())).toEqual(valueStep.config(plain, call()));
    expect((valueStep.config(valuing, call()) as { search?: unknown }).search).toEqual(valuing.infer.search);
  });

  it('the infer step reads the quarantine mode only where it changes the histories the valued model reads', () => {
    const quarantineIn = (quarantine: (typeof QUARANTINE_MODES)[number]) => (inferStep.config(tinySpec('slices', { valuation: { method: 'knn-shapley', quarantine } }), call()) as { quarantine?: string }).quarantine;
    expect(QUARANTINE_MODES.map(quarantineIn)).toEqual([undefined, undefined, 'hidden', 'everywhere']);
  });

  it('no step\'s slice changes with orchestration settings', () => {
    const spec = tinySpec('slices');
    const moved = { ...spec, timeouts: { ...spec.timeouts, report: 11 }, heartbeatSeconds: 7, taskQueues: { cpu: 'a', accelerator: 'b' }, checkpoints: { keep: 9 }, codeVersion: 'other' };
    for (const step of STEPS) expect(STEP_DEFINITIONS[step].config(moved, call('valued')), step).toEqual(STEP_DEFINITIONS[step].config(spec, call('valued')));
  });
});
