// The step table and graph every part of the pipeline reads: a well-formed graph, and pools
// that register exactly the steps the table gives them.
import { describe, expect, it } from 'vitest';
import { STEPS } from '../../../shared/pipeline/contract';
import { groupOf, inputsOf, PIPELINE_GRAPH, STEP_TABLE, stagesFor } from '../../../shared/pipeline/step-table';
import type { QuarantineMode } from '../../../shared/valuation/quarantine';
import { STEP_DEFINITIONS } from '../../../shared/pipeline/steps';
import { activitiesOf } from '../../../workers/pools';
import { stepOptions } from '../../../workflows/activity-profiles';
import { tinySpec } from '../../support/pipeline';

describe('step table', () => {
  it('the graph runs every step, each reading only groups of earlier stages, and every definition is the step it is filed under', () => {
    const seen = new Set<string>();
    for (const stage of PIPELINE_GRAPH) {
      for (const node of stage) for (const g of node.inputs.flat()) expect(seen, `${groupOf(node.step, node.variant)} reads ${g}`).toContain(g);
      for (const node of stage) seen.add(groupOf(node.step, node.variant));
    }
    expect([...new Set(PIPELINE_GRAPH.flat().map((n) => n.step))]).toEqual([...STEPS]);
    for (const step of STEPS) expect(STEP_DEFINITIONS[step].step).toBe(step);
  });

  const groupsFor = (control: boolean, quarantine: QuarantineMode = 'context') => stagesFor({ control, valuation: { quarantine } }).map((stage) => stage.map((n) => groupOf(n.step, n.variant)));

  it('leaves the control fine-tune out when the spec asks for no control', () => {
    const groups = (control: boolean) => groupsFor(control).flat();
    expect(groups(true)).toContain('control-finetune');
    expect(groups(false)).not.toContain('control-finetune');
    expect(groups(false)).toContain('valued-finetune');
  });

  it('pretrains the valued model again on the kept rows only when the quarantine asks for it, between the value step and its fine-tune', () => {
    for (const mode of ['context', 'drop', 'hidden'] as const) expect(groupsFor(true, mode).flat()).not.toContain('valued-pretrain');
    const stages = groupsFor(true, 'everywhere');
    const stageOf = (group: string) => stages.findIndex((s) => s.includes(group));
    expect(stageOf('valued-pretrain')).toBeGreaterThan(stageOf('value'));
    expect(stageOf('valued-pretrain')).toBeLessThan(stageOf('valued-finetune'));
    expect(stages.every((s) => s.length > 0)).toBe(true);
  });

  it('hands the valued fine-tune the valued pretrain where it ran, and only then; the control always the shared pretrain', () => {
    const readsOf = (quarantine: QuarantineMode, variant: 'valued' | 'control') => {
      const outputs: Record<string, Record<string, string>> = {};
      for (const stage of stagesFor({ control: true, valuation: { quarantine } })) {
        for (const node of stage) {
          const group = groupOf(node.step, node.variant);
          if (node.step === 'finetune' && node.variant === variant) return Object.keys(inputsOf(node, outputs)).map((k) => k.split('=')[0]).sort();
          outputs[group] = { [`${group}=model.json`]: group };
        }
      }
      throw new Error('no fine-tune');
    };
    expect(readsOf('everywhere', 'valued')).toEqual(['preprocess', 'value', 'valued-pretrain']);
    expect(readsOf('context', 'valued')).toEqual(['preprocess', 'pretrain', 'value']);
    expect(readsOf('everywhere', 'control')).toEqual(['preprocess', 'pretrain']);
  });

  it('each pool registers exactly its steps, and each step is sent to its pool\'s task queue', () => {
    const spec = tinySpec('table');
    for (const pool of ['cpu', 'accelerator'] as const) {
      const registered = Object.keys(activitiesOf(pool)).filter((n) => (STEPS as readonly string[]).includes(n)).sort();
      expect(registered).toEqual(STEPS.filter((s) => STEP_TABLE[s].pool === pool).sort());
    }
    expect(Object.keys(activitiesOf('cpu'))).toEqual(expect.arrayContaining(['recordRunStarted', 'recordRunFinished', 'pipelineIdentity', 'partitionState']));
    for (const step of STEPS) expect(stepOptions(spec, step).taskQueue).toBe(spec.taskQueues[STEP_TABLE[step].pool]);
  });
});
