// Small real pipelines for the report tests, on test/support/pipeline.ts's tinySpec (its own
// dataset name and task queues, so it never meets another test's workers or runs), run to
// their end with in-process workers and no step cache, so every step really runs and records
// its per-epoch losses.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startLocalWorkers } from '../../../cli/local-workers';
import type { PipelineSpec } from '../../../shared/pipeline/spec';
import { AssayClient } from '../../../cli/client';
import { tinySpec } from '../../support/pipeline';
import { requireServices } from '../../support/services';

/** tinySpec reading `sourcePath` (default: the shipped ml-100k) with two fine-tuning epochs, so its curves are lines. */
export function reportSpec(name: string, sourcePath?: string): PipelineSpec {
  const spec = tinySpec(name, { finetune: { epochs: 2, batchSize: 128 } });
  if (!('path' in spec.source)) throw new Error('tinySpec changed: expected an ml-100k source with a path');
  // a test folder outside the shared data must be declared, as a spec would
  return sourcePath ? { ...spec, source: { ...spec.source, path: sourcePath, allowedRoots: [sourcePath] } } : spec;
}

/** Rows a data engineer meets in practice, each rejected by preprocess with its own reason. */
export const BAD_ROWS = [
  '196\t242\t9\t881250949', // rating outside 1–5
  '186\t99999\t3\t891717742', // an item the item file does not have
  '22\t377\t1', // a missing column
  '244\t51\t2\tyesterday', // a timestamp that is not a number
];

/**
 * The shipped ml-100k item file and its first `events` ratings, with BAD_ROWS among them, in
 * `dir`: real data with real rejects, so the report's rejects section has something to show.
 */
export async function writeSourceWithBadRows(dir: string, events = 3000): Promise<string> {
  const shipped = reportSpec('source').source as { path: string };
  await mkdir(dir, { recursive: true });
  await copyFile(path.join(shipped.path, 'ml-100k.item'), path.join(dir, 'ml-100k.item'));
  const [header, ...ratings] = (await readFile(path.join(shipped.path, 'ml-100k.inter'), 'utf8')).split('\n');
  const rows = ratings.slice(0, events);
  BAD_ROWS.forEach((bad, i) => rows.splice(100 + i * 200, 0, bad));
  await writeFile(path.join(dir, 'ml-100k.inter'), `${[header, ...rows].join('\n')}\n`);
  return dir;
}

export interface FinishedRun {
  workflowId: string;
  /** the lineage run id: <workflow id>/<execution id> */
  runId: string;
  /** the workflow's failure message, when it failed */
  failure?: string;
}

/** Runs the pipeline to its end with in-process workers on the spec's private queues. */
export async function runPipeline(spec: PipelineSpec): Promise<FinishedRun> {
  const services = requireServices('ASSAY_TEMPORAL_ADDRESS', 'ASSAY_S3_ENDPOINT', 'ASSAY_DATABASE_URL');
  const workers = await startLocalWorkers(spec);
  const client = await AssayClient.connect(services);
  try {
    const handle = await client.startRun(spec, { noCache: true });
    let failure: string | undefined;
    try {
      await handle.result();
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    const { runId } = await handle.describe();
    return { workflowId: handle.workflowId, runId: `${handle.workflowId}/${runId}`, failure };
  } finally {
    await client.close();
    await workers.stop();
  }
}
