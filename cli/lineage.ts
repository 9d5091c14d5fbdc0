// `assay lineage <artifact|run>` and `assay metrics <run>`: answers "which data made which
// model" from the lineage database.
import type { Command } from 'commander';
import { readServices } from '../shared/config/services';
import { openDatabase, type Database } from '../shared/db/open-database';
import * as lineage from '../shared/db/lineage';
import { printJson, formatTable } from './context';

async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const opened = await openDatabase(readServices());
  try { return await work(opened.db); } finally { await opened.close(); }
}

async function requireRun(db: Database, id: string) {
  const run = await lineage.findRun(db, id);
  if (!run) throw new Error(`No run '${id}' in the lineage database. List runs with \`assay list\`; a run id is a workflow id such as assay/ml-100k/full.`);
  return run;
}

function printGraph(title: string, graph: lineage.LineageGraph): void {
  console.log(title);
  const byId = new Map(graph.artifacts.map((a) => [a.id, a]));
  for (const step of graph.steps) {
    const ins = graph.edges.filter((e) => e.stepId === step.id && e.direction === 'input').map((e) => byId.get(e.artifactId)?.name ?? '?');
    const outs = graph.edges.filter((e) => e.stepId === step.id && e.direction === 'output').map((e) => byId.get(e.artifactId)?.name ?? '?');
    console.log(`  ${step.stepName} (attempt ${step.attempt}${step.cacheHit ? ', cache hit' : ''}, ${step.device ?? '?'}, ${step.computeBackend ?? '?'}) run ${step.runId}`);
    // the worker's code, which may differ from the run's (the client's)
    console.log(`      worker ${step.worker ?? '?'}, code ${step.codeVersion ?? '?'}, sources ${step.sourceDigest?.slice(0, 12) ?? '?'}`);
    if (ins.length) console.log(`      in:  ${ins.join(', ')}`);
    if (outs.length) console.log(`      out: ${outs.join(', ')}`);
  }
  console.log(`  sources: ${graph.sources.map((a) => `${a.name} (${a.sha256.slice(0, 12)})`).join(', ') || '—'}`);
}

export function registerLineage(program: Command): void {
  program.command('lineage')
    .description('walk lineage: from a run or model artifact back to the raw input files and the data values that selected its training set; from an artifact forward to every model made from it')
    .argument('<target>', 'a run (workflow id or run id) or an artifact uri (s3://… or file://…)')
    .option('--json', 'print the graph as JSON')
    .action(async (target: string, flags: { json?: boolean }) => withDb(async (db) => {
      if (/^(s3|file):\/\//.test(target)) {
        const up = await lineage.upstream(db, { uri: target });
        const down = await lineage.downstream(db, target);
        if (flags.json) return printJson({ upstream: up, downstream: down });
        printGraph(`upstream of ${target}:`, up);
        printGraph(`downstream of ${target}:`, down);
        return;
      }
      const run = await requireRun(db, target);
      const graph = await lineage.upstream(db, { runId: run.id });
      const values = await lineage.valueSummariesOfRun(db, run.id);
      if (flags.json) return printJson({ run, graph, values });
      printGraph(`run ${run.id} (${run.status}) — dataset ${run.dataset}, partition ${run.partition}, code ${run.codeVersion}`, graph);
      for (const v of values) console.log(`  values: ${v.method} per ${v.unit}: ${v.count} values, kept ${v.keptCount}${v.threshold !== null ? ` (threshold ${v.threshold})` : ''}`);
    }));

  program.command('metrics')
    .description('final metrics of a run (valued model, control, baselines); --epochs for training curves')
    .argument('<run>', 'workflow id or run id')
    .option('--epochs', 'include per-epoch metrics')
    .option('--json', 'print as JSON')
    .action(async (id: string, flags: { epochs?: boolean; json?: boolean }) => withDb(async (db) => {
      const run = await requireRun(db, id);
      const rows = await lineage.metricsOfRun(db, run.id, { finalOnly: !flags.epochs });
      if (flags.json) return printJson(rows);
      console.log(`metrics of ${run.id}`);
      console.log(formatTable(['label', 'metric', 'epoch', 'value'], rows.map((r) => [r.label ?? '', r.name, r.epoch ?? undefined, r.value])));
    }));
}
