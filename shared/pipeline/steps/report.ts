// The last step: a self-contained HTML report of the run, stored as a run artifact. It also
// runs after a failure (with whatever inputs exist), so a broken run still explains itself.
import path from 'node:path';
import { writeReport } from '../../report';
import { defineStep } from '../step';
import { buildRunReportInput } from './report-input';

export const reportStep = defineStep({
  step: 'report',
  module: __filename,
  // A report describes one run's lineage, so it is never served from another run's cache.
  config: (_spec, call) => ({ run: call.run.runId, inputs: Object.keys(call.inputs).sort() }),
  async run(ctx) {
    const records = await ctx.runRecords();
    const ui = process.env.ASSAY_TEMPORAL_UI;
    const workflowId = ctx.request.run.runId.split('/').slice(0, -1).join('/') || ctx.request.run.runId;
    const input = await buildRunReportInput({
      records, workflowId, inputs: ctx.inputs,
      temporalUrl: ui ? `${ui}/namespaces/${process.env.ASSAY_TEMPORAL_NAMESPACE ?? 'default'}/workflows/${encodeURIComponent(workflowId)}/${ctx.request.run.executionId}/history` : undefined,
    });
    const written = await writeReport(input, path.join(ctx.outDir, 'report.html'));
    return { metrics: { reportBytes: written.bytes } };
  },
});
