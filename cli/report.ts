// `assay report <run>`: the run's HTML report as a local file, or served on loopback. It is the
// artifact the pipeline's report step stored; a run without one (still running, or stopped
// before its report step) gets one built now from lineage, the way the step builds it.
import type { Command } from 'commander';
import { and, eq, inArray } from 'drizzle-orm';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readServices, type Services } from '../shared/config/services';
import * as lineage from '../shared/db/lineage';
import { openDatabase, type Database } from '../shared/db/open-database';
import { artifacts, edges, type RunRow } from '../shared/db/schema';
import { buildRunReportInput, REPORT_INPUT_FILES } from '../shared/pipeline/steps/report-input';
import { serveReport, writeReport } from '../shared/report';
import { createArtifactStore, type ArtifactRef, type ArtifactStore } from '../shared/store';

/** The report step's output, as the step runner names it: `<group>=<file>`. */
const REPORT_ARTIFACT = 'report=report.html';

interface ReportFlags { out?: string; serve?: boolean; port: string }

export function defaultReportPath(run: Pick<RunRow, 'dataset' | 'partition'>): string {
  return path.resolve(`assay-report-${run.dataset}-${run.partition}.html`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${value}: expected an integer from 0 to 65535 (0 picks a free port)`);
  return port;
}

async function requireRun(db: Database, id: string): Promise<RunRow> {
  const run = await lineage.findRun(db, id);
  if (!run) {
    throw new Error(
      `No run '${id}' in the lineage database. List runs with \`assay list\`; <run> is a workflow id such as ` +
        'assay/ml-100k/full (its newest execution) or a run id <workflow id>/<execution id>.',
    );
  }
  return run;
}

/**
 * The outputs of the run's completed step attempts by artifact name (`<group>=<file>`). Read
 * through lineage edges rather than the store's run aliases, because a cache hit links the
 * cached artifacts to this run without publishing aliases under it.
 */
async function completedOutputs(db: Database, runId: string): Promise<Map<string, ArtifactRef>> {
  const done = (await lineage.stepsOfRun(db, runId)).filter((s) => s.status === 'completed');
  if (done.length === 0) return new Map();
  const rows = await db
    .select({ stepId: edges.stepId, name: artifacts.name, uri: artifacts.uri, sha256: artifacts.sha256, bytes: artifacts.bytes })
    .from(edges)
    .innerJoin(artifacts, eq(artifacts.id, edges.artifactId))
    .where(and(inArray(edges.stepId, done.map((s) => s.id)), eq(edges.direction, 'output')));
  // stepsOfRun is oldest first: a later attempt's output of the same name wins
  const order = new Map(done.map((s, i) => [s.id, i]));
  rows.sort((a, b) => order.get(a.stepId)! - order.get(b.stepId)!);
  return new Map(rows.filter((r) => r.name).map((r) => [r.name!, { uri: r.uri, sha256: r.sha256, bytes: r.bytes }]));
}

function temporalUrl(services: Services, workflowId: string, executionId: string): string {
  return `${services.ASSAY_TEMPORAL_UI}/namespaces/${services.ASSAY_TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}/${executionId}/history`;
}

/** Builds the report from lineage plus the few artifacts it reads, as the report step would. */
async function buildReportNow(db: Database, store: ArtifactStore, services: Services, run: RunRow, outputs: Map<string, ArtifactRef>, outPath: string): Promise<void> {
  const slash = run.id.lastIndexOf('/');
  const workflowId = slash > 0 ? run.id.slice(0, slash) : run.id;
  const executionId = run.id.slice(slash + 1);
  const work = await mkdtemp(path.join(tmpdir(), 'assay-report-'));
  try {
    const inputs: Record<string, string> = {};
    for (const [group, files] of Object.entries(REPORT_INPUT_FILES)) {
      for (const file of files) {
        const ref = outputs.get(`${group}=${file}`);
        if (!ref) continue;
        inputs[group] = path.join(work, group);
        await mkdir(inputs[group], { recursive: true });
        await store.getToFile(ref, path.join(inputs[group], file));
      }
    }
    const [steps, metrics, values] = await Promise.all([lineage.stepsOfRun(db, run.id), lineage.metricsOfRun(db, run.id), lineage.valueSummariesOfRun(db, run.id)]);
    const input = await buildRunReportInput({
      records: { run, steps, metrics, values }, workflowId, inputs,
      temporalUrl: slash > 0 ? temporalUrl(services, workflowId, executionId) : undefined,
    });
    await writeReport(input, outPath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes the run's report to `outPath`: its stored artifact when there is one, else one built now. */
export async function saveRunReport(id: string, outPath: string | undefined, services: Services = readServices()): Promise<{ run: RunRow; path: string; source: 'artifact' | 'built' }> {
  const opened = await openDatabase(services);
  try {
    const run = await requireRun(opened.db, id);
    const file = path.resolve(outPath ?? defaultReportPath(run));
    await mkdir(path.dirname(file), { recursive: true });
    const store = await createArtifactStore(services);
    const outputs = await completedOutputs(opened.db, run.id);
    const stored = outputs.get(REPORT_ARTIFACT);
    if (stored && (await store.exists(stored))) {
      await store.getToFile(stored, file);
      return { run, path: file, source: 'artifact' };
    }
    await buildReportNow(opened.db, store, services, run, outputs, file);
    return { run, path: file, source: 'built' };
  } finally {
    await opened.close();
  }
}

/** Resolves on Ctrl-C (or SIGTERM), so a served report stays up until the user stops it. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export function registerReport(program: Command): void {
  program.command('report')
    .description(
      "save a run's self-contained HTML report (summary, steps, training curves, metrics vs the control and baselines, " +
        'value distribution, quarantine, rejects) and print its path. It is the report artifact the pipeline stored; ' +
        'a run without one (still running, or stopped before its report step) gets one built now from lineage. ' +
        'A failed run\'s report opens with the failure.',
    )
    .argument('<run>', 'workflow id, e.g. assay/ml-100k/full (its newest execution), or a run id <workflow id>/<execution id>; `assay list` shows them')
    .option('-o, --out <file>', 'where to write the HTML (default: ./assay-report-<dataset>-<partition>.html)')
    .option('--serve', 'also serve it at http://127.0.0.1:<port>/ until Ctrl-C')
    .option('--port <n>', 'port for --serve (0 picks a free one)', '0')
    .action(async (id: string, flags: ReportFlags) => {
      const port = parsePort(flags.port);
      const saved = await saveRunReport(id, flags.out);
      console.error(saved.source === 'artifact'
        ? `report of ${saved.run.id} (${saved.run.status}), from its report artifact:`
        : `report of ${saved.run.id} (${saved.run.status}) built now from lineage (the run has no report artifact yet):`);
      console.log(saved.path);
      if (!flags.serve) return;
      const served = await serveReport(saved.path, port);
      console.log(`serving at ${served.url} (Ctrl-C to stop)`);
      await untilInterrupted();
      await served.close();
    });
}
