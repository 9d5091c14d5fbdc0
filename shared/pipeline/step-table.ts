// The one table of the pipeline's steps and the graph between them, as plain data: which pool
// runs a step, whether it computes with the model backend, how its outputs are grouped, and
// which groups each step reads. The workflow, the worker pools, the compute selection, the
// step runner and the bare runner all read it; none keeps its own list.
import type { StepName, Variant } from './contract';
// type only: the workflow bundle imports this table and must not pull in the data libraries
import type { QuarantineMode } from '../valuation/quarantine';

export type Pool = 'cpu' | 'accelerator';

export interface StepTableEntry {
  /** the worker pool (task queue) whose workers run the step */
  pool: Pool;
  /** computes with the model backend (tfjs and the SIMD kernels); the others run plain Node */
  model: boolean;
}

export const STEP_TABLE: Readonly<Record<StepName, StepTableEntry>> = {
  preprocess: { pool: 'cpu', model: false },
  pretrain: { pool: 'accelerator', model: true },
  value: { pool: 'cpu', model: true },
  finetune: { pool: 'accelerator', model: true },
  infer: { pool: 'accelerator', model: true },
  report: { pool: 'cpu', model: false },
};

/** A step's output group: its outputs are named `<group>=<file>` and read as folder `<group>`. */
export function groupOf(step: StepName, variant?: Variant): string {
  return variant ? `${variant}-${step}` : step;
}

export function poolOf(step: StepName): Pool {
  return STEP_TABLE[step].pool;
}

/**
 * One step of the graph: which groups' outputs it reads (a group that did not run is left out);
 * a list in place of a group reads the first of those groups that ran.
 */
export interface GraphNode {
  step: StepName;
  variant?: Variant;
  inputs: ReadonlyArray<string | readonly string[]>;
  /** runs only when the spec asks for the control comparison */
  onlyWithControl?: boolean;
  /** runs only when the quarantine leaves the valued model's pretraining too (valuation.quarantine 'everywhere') */
  onlyWhenPretrainingOnKept?: boolean;
}

/** The pipeline in stages: each stage runs after the one before; the steps of a stage run side by side. */
export const PIPELINE_GRAPH: ReadonlyArray<readonly GraphNode[]> = [
  [{ step: 'preprocess', inputs: [] }],
  [{ step: 'pretrain', inputs: ['preprocess'] }],
  [{ step: 'value', inputs: ['preprocess', 'pretrain'] }],
  [{ step: 'pretrain', variant: 'valued', inputs: ['preprocess', 'value'], onlyWhenPretrainingOnKept: true }],
  [
    // from the valued pretrain where it ran: lineage then records the model it really started from
    { step: 'finetune', variant: 'valued', inputs: ['preprocess', ['valued-pretrain', 'pretrain'], 'value'] },
    { step: 'finetune', variant: 'control', inputs: ['preprocess', 'pretrain'], onlyWithControl: true },
  ],
  [{ step: 'infer', inputs: ['preprocess', 'value', 'valued-finetune', 'control-finetune'] }],
  [{ step: 'report', inputs: ['preprocess', 'value', 'infer'] }],
];

/** Whether the valued model is pretrained again on the kept interactions (the valued pretrain node runs). */
export const pretrainsOnKept = (mode: QuarantineMode): boolean => mode === 'everywhere';

/** The graph's stages with the nodes this spec runs (a stage left empty is left out). */
export function stagesFor(spec: { control: boolean; valuation: { quarantine: QuarantineMode } }): GraphNode[][] {
  const runs = (n: GraphNode) => (!n.onlyWithControl || spec.control) && (!n.onlyWhenPretrainingOnKept || pretrainsOnKept(spec.valuation.quarantine));
  return PIPELINE_GRAPH.map((stage) => stage.filter(runs)).filter((stage) => stage.length > 0);
}

/** The report's node: a failed run's report reads whatever of its inputs exist. */
export const REPORT_NODE: GraphNode = PIPELINE_GRAPH[PIPELINE_GRAPH.length - 1]![0]!;

/** The groups `node` reads, given which groups ran (each list resolved to the first of them that ran). */
export function inputGroups(node: GraphNode, ran: (group: string) => boolean): string[] {
  return node.inputs.flatMap((input) => (typeof input === 'string' ? [input] : input.filter(ran).slice(0, 1)));
}

/** The inputs of `node` from the outputs of the groups that ran so far, merged. */
export function inputsOf<T>(node: GraphNode, outputsByGroup: Readonly<Record<string, Record<string, T>>>): Record<string, T> {
  return Object.assign({}, ...inputGroups(node, (g) => g in outputsByGroup).map((g) => outputsByGroup[g] ?? {})) as Record<string, T>;
}
