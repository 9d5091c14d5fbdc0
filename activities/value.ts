// Step 3: a value per training example, the important set and the quarantine set.
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import { valueStep } from '../shared/pipeline/steps/value';
import { executeStep } from './step-runner';

export async function value(request: StepRequest): Promise<StepResult> {
  return executeStep(valueStep, request);
}
