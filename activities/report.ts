// Last step: the run's HTML report.
import type { StepRequest, StepResult } from '../shared/pipeline/contract';
import { reportStep } from '../shared/pipeline/steps/report';
import { executeStep } from './step-runner';

export async function report(request: StepRequest): Promise<StepResult> {
  return executeStep(reportStep, request);
}
