// `assay report` as a user runs it: a child process of the real CLI against the dev stack,
// on a small pipeline run of this test's own (only --help is read in-process).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRuntime } from '../../activities/runtime';
import { registerReport } from '../../cli/report';
import { readServices } from '../../shared/config/services';
import { createArtifactStore } from '../../shared/store';
import { runPipeline, reportSpec, type FinishedRun } from '../shared/report/small-pipeline';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MAIN = join(ROOT, 'cli/main.ts');

interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `assay <args>` to its end in `cwd` with this test's environment (the dev stack's settings). */
function assay(args: string[], cwd = ROOT): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSX, MAIN, ...args], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const alias = (run: FinishedRun) => [run.runId.replaceAll('/', '+'), 'report', 'report.html'] as const;

let work = '';
let run: FinishedRun;
let dataset = '';
let partition = '';
const UNKNOWN_RUN = `assay/no-such-dataset-${Date.now()}/full`;
let unknownRun: Promise<CliResult>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'assay-cli-report-'));
  // needs no pipeline, so it runs while the pipeline does
  unknownRun = assay(['report', UNKNOWN_RUN, '--out', join(work, 'unknown.html')]);
  const spec = reportSpec('cli-report');
  ({ dataset, partition } = spec);
  run = await runPipeline(spec);
}, 180_000);

afterAll(async () => {
  await closeRuntime();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('assay report', () => {
  it('fails on an unknown run, naming it and saying how to list runs', async () => {
    const result = await unknownRun;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`No run '${UNKNOWN_RUN}'`);
    expect(result.stderr).toContain('assay list');
    expect(existsSync(join(work, 'unknown.html')), 'nothing is written').toBe(false);
  });

  it('writes the stored report of a finished run (by workflow id) to --out and prints its path', async () => {
    expect(run.failure).toBeUndefined();
    const out = join(work, 'nested', 'by-workflow-id.html');
    const result = await assay(['report', run.workflowId, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(out);
    expect(result.stderr).toContain('from its report artifact');
    const stored = await (await createArtifactStore(readServices())).resolveAlias(...alias(run));
    expect(sha256(await readFile(out)), 'the file is the artifact the report step stored').toBe(stored!.sha256);
  });

  it('takes a lineage run id too, and writes ./assay-report-<dataset>-<partition>.html by default', async () => {
    const cwd = await mkdtemp(join(work, 'cwd-'));
    const result = await assay(['report', run.runId], cwd);
    expect(result.code, result.stderr).toBe(0);
    const expected = join(cwd, `assay-report-${dataset}-${partition}.html`);
    expect(result.stdout.trim()).toBe(expected);
    expect(await readFile(expected, 'utf8')).toContain(run.runId);
  });

  it('serves the report on 127.0.0.1 until Ctrl-C', async () => {
    const out = join(work, 'served.html');
    const child = spawn(process.execPath, [TSX, MAIN, 'report', run.workflowId, '-o', out, '--serve', '--port', '0'], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.on('close', done));
    try {
      const url = await new Promise<string>((found, fail) => {
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /serving at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
          if (m) found(m[1]!);
        });
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        void exited.then((code) => fail(new Error(`assay report --serve exited (${code}) before serving:\n${stderr}`)));
      });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(run.runId);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, 'Ctrl-C ends it cleanly').toBe(0);
  });

  // Last: it deletes the stored report.
  it('builds the report from lineage when the run has no report artifact', async () => {
    const store = await createArtifactStore(readServices());
    const stored = await store.resolveAlias(...alias(run));
    await store.remove(stored!);
    const out = join(work, 'built.html');
    const result = await assay(['report', run.workflowId, '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('built now from lineage');
    const html = await readFile(out, 'utf8');
    // what only lineage and the downloaded step artifacts can supply
    for (const part of ['status succeeded', 'data-chart="training-curves"', 'data-chart="metrics-bars"', 'data-chart="value-histogram"', 'most-popular', 'item-knn', 'quarantined examples']) {
      expect(html, part).toContain(part);
    }
  });

  it('describes the run argument, --out, --serve and --port in --help', () => {
    const program = new Command('assay');
    registerReport(program);
    const help = program.commands.find((c) => c.name() === 'report')!.helpInformation().replace(/\s+/g, ' ');
    for (const part of ['<run>', 'workflow id', 'run id', '`assay list`', '--out', 'assay-report-<dataset>-<partition>.html', '--serve', '--port', 'built now from lineage']) {
      expect(help, part).toContain(part);
    }
  });
});
