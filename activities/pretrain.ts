// Step 2: self-supervised pretraining, resumable from checkpoints.
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import { pretrainStep } from '../shared/pipeline/steps/pretrain';
import { executeStep } from './step-runner';

export async function pretrain(request: StepRequest): Promise<StepResult> {
  return executeStep(pretrainStep, request);
}
