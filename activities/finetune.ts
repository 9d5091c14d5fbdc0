// Step 4: value-weighted fine-tuning (or the control).
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import { finetuneStep } from '../shared/pipeline/steps/finetune';
import { executeStep } from './step-runner';

export async function finetune(request: StepRequest): Promise<StepResult> {
  return executeStep(finetuneStep, request);
}
