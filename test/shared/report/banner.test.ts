import { describe, expect, it } from 'vitest';
import { parseRunReportInput } from '../../../shared/report/input';
import { statusBanner } from '../../../shared/report/page';
import { buildFailedRun, buildRealisticRun } from './fixtures/realistic-run';

describe('statusBanner', () => {
  it('is empty for a run that succeeded', () => {
    expect(statusBanner(parseRunReportInput(buildRealisticRun()))).toBe('');
  });

  it('is red for a run that timed out, and points to Temporal when no reason was recorded', () => {
    const input = buildFailedRun();
    input.run.status = 'timed-out';
    delete input.run.failure;
    const banner = statusBanner(parseRunReportInput(input));
    expect(banner).toContain('banner-failed');
    // The failed step comes from the step records when the failure names none.
    expect(banner).toContain('Run timed out at step <code>finetune</code>.');
    expect(banner).toContain('No reason was recorded; open the Temporal workflow for the failure details.');
  });

  it('marks a run still in progress with the time the report shows', () => {
    const input = buildRealisticRun();
    input.run.status = 'running';
    delete input.run.finishedAt;
    const banner = statusBanner(parseRunReportInput(input));
    expect(banner).toContain('data-banner="running"');
    expect(banner).toContain('This report shows what existed at 2025-06-14 02:16:50 UTC.');
  });
});
