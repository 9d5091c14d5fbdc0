// Step 5: full-ranking metrics, recommendations, contradicted quarantine examples.
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import { inferStep } from '../shared/pipeline/steps/infer';
import { executeStep } from './step-runner';

export async function infer(request: StepRequest): Promise<StepResult> {
  return executeStep(inferStep, request);
}
