import { describe, expect, it } from 'vitest';
import { parseRunReportInput } from '../../../../shared/report/input';
import { metricsSection } from '../../../../shared/report/sections/metrics';
import { buildRealisticRun } from '../fixtures/realistic-run';

describe('metrics section: items new to training', () => {
  it('shows the cold-start table when the run scored such items, each model with its targets', async () => {
    const report = parseRunReportInput({
      ...buildRealisticRun(),
      coldItems: [
        { model: 'valued', ndcg10: 0.0412, hr10: 0.0833, targets: 24 },
        { model: 'most-popular', ndcg10: 0, hr10: 0, targets: 24 },
      ],
    });
    const { body } = await metricsSection(report);
    expect(body).toContain('Items new to training');
    const table = body.slice(body.indexOf('Items new to training'));
    expect(table).toMatch(/valued<\/td>\s*<td[^>]*>0\.0412<\/td>\s*<td[^>]*>0\.0833<\/td>\s*<td[^>]*>24<\/td>/);
    expect(table).toContain('most-popular');
  });

  it('leaves it out when the run has none', async () => {
    const { body } = await metricsSection(parseRunReportInput(buildRealisticRun()));
    expect(body).not.toContain('Items new to training');
  });
});
