// Step 1: raw files → validated, split dataset artifacts.
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import { preprocessStep } from '../shared/pipeline/steps/preprocess';
import { executeStep } from './step-runner';

export async function preprocess(request: StepRequest): Promise<StepResult> {
  return executeStep(preprocessStep, request);
}
