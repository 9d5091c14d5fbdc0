// Every step definition by name: what the worker pools, the bare runner and the pipeline's
// code digest read, so adding a step is one entry here and one in the step table.
import type { StepName } from '../contract';
import type { StepDefinition } from '../step';
import { preprocessStep } from './preprocess';
import { pretrainStep } from './pretrain';
import { valueStep } from './value';
import { finetuneStep } from './finetune';
import { inferStep } from './infer';
import { reportStep } from './report';

export const STEP_DEFINITIONS: Readonly<Record<StepName, StepDefinition>> = {
  preprocess: preprocessStep,
  pretrain: pretrainStep,
  value: valueStep,
  finetune: finetuneStep,
  infer: inferStep,
  report: reportStep,
};
