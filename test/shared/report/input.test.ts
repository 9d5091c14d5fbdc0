import { describe, expect, it } from 'vitest';
import { parseRunReportInput } from '../../../shared/report/input';
import { buildRealisticRun } from './fixtures/realistic-run';

describe('parseRunReportInput', () => {
  it('accepts the realistic run and fills defaults', () => {
    const input = buildRealisticRun();
    delete input.steps![1]!.attempts;
    const parsed = parseRunReportInput(input);
    expect(parsed.steps[1]?.attempts).toBe(1);
    expect(parsed.steps[1]?.cacheHit).toBe(false);
  });

  it('names every bad field by its path and says where to fix it', () => {
    const input = buildRealisticRun();
    input.metrics![0]!.ndcg10 = 1.7;
    input.run.startedAt = 'yesterday';
    input.run.temporalUrl = 'javascript:alert(1)';
    expect(() => parseRunReportInput(input)).toThrowError(
      /Invalid run report input \(3 problem\(s\)\):[\s\S]*run\.startedAt:[\s\S]*run\.temporalUrl:[\s\S]*metrics\.0\.ndcg10: must be within \[0, 1\][\s\S]*Fix the field/,
    );
  });

  it('requires exactly one of raw values or bins per value distribution', () => {
    const input = buildRealisticRun();
    input.values = [{ method: 'loss' }];
    expect(() => parseRunReportInput(input)).toThrowError(/values\.0: give exactly one of `values` \(raw\) or `bins`/);
  });

  it('accepts a run with nothing but its summary', () => {
    const { run, generatedAt } = buildRealisticRun();
    expect(parseRunReportInput({ run, generatedAt }).steps).toEqual([]);
  });
});
