// The report a real pipeline run stores, as a person sees it: a small pipeline runs through
// Temporal on private queues (with a few bad source rows, so preprocessing has rejects), its
// report artifact is fetched the way `assay report` does, and Debian's chromium opens it. A
// second run, pointed at a source folder that does not exist, must still store a report whose
// banner says where and why it failed. Screenshots go to test-output/report/ for a human look.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRuntime } from '../../../activities/runtime';
import { saveRunReport } from '../../../cli/report';
import { readServices } from '../../../shared/config/services';
import { SECTION_IDS } from '../../../shared/report/page';
import { serveReport, type ServedReport } from '../../../shared/report/serve';
import { createArtifactStore } from '../../../shared/store';
import { CHROMIUM, launchChromium, missingBrowserMessage, openPage, REPORT_SCREENSHOTS, type OpenedPage } from './chromium';
import { runPipeline, reportSpec, writeSourceWithBadRows, type FinishedRun } from './small-pipeline';

const MISSING_BROWSER = missingBrowserMessage('test/shared/report/pipeline-report.test.ts');
const STEP_NAMES = ['preprocess', 'pretrain', 'value', 'valued-finetune', 'control-finetune', 'infer'];
const MODELS = ['valued', 'control', 'most-popular', 'item-knn', 'ease'];
/** Sections a successful run fills; detection and point removal need ground truth / a separate experiment. */
const FILLED = ['summary', 'steps', 'training', 'metrics', 'values', 'quarantine', 'rejects'];

let work = '';
let context: BrowserContext | undefined;
const served: ServedReport[] = [];
let succeeded: FinishedRun;
let failed: FinishedRun;
const MISSING_SOURCE = 'no-such-ml-100k-folder';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'assay-pipeline-report-'));
  const source = await writeSourceWithBadRows(join(work, 'source'));
  // Both at once: the failing one ends at its first step, well within the other's time.
  [succeeded, failed] = await Promise.all([
    runPipeline(reportSpec('report-ok', source)),
    runPipeline(reportSpec('report-failed', join(work, MISSING_SOURCE))),
  ]);
  if (existsSync(CHROMIUM)) context = await launchChromium(work);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await Promise.all(served.map((s) => s.close()));
  await closeRuntime();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Fetches the run's stored report (as `assay report` does), serves it and opens it. */
async function openRunReport(run: FinishedRun, name: string): Promise<OpenedPage> {
  if (!context) throw new Error(MISSING_BROWSER);
  const saved = await saveRunReport(run.runId, join(work, `${name}.html`));
  expect(saved.source, 'the report comes from the artifact the pipeline stored').toBe('artifact');
  const server = await serveReport(saved.path);
  served.push(server);
  return openPage(context, server.url);
}

const texts = (page: Page, selector: string) => page.locator(selector).allInnerTexts().then((t) => t.map((s) => s.trim()));

/** The chart's SVG has a real size and plotted marks, and shows each label. */
async function expectChart(page: Page, chartId: string, labels: string[]): Promise<void> {
  const svg = page.locator(`figure[data-chart="${chartId}"] > svg`);
  expect(await svg.count(), `one SVG in ${chartId}`).toBe(1);
  const box = await svg.boundingBox();
  expect(box!.width, `${chartId} width`).toBeGreaterThan(200);
  expect(box!.height, `${chartId} height`).toBeGreaterThan(100);
  const marks = await svg.locator('g[class*="mark-rect"] path, g[class*="mark-line"] path, g[class*="mark-symbol"] path').count();
  expect(marks, `${chartId} has plotted marks`).toBeGreaterThan(0);
  for (const label of labels) {
    await expect(svg.locator('text', { hasText: label }).first().isVisible(), `"${label}" visible in ${chartId}`).resolves.toBe(true);
  }
}

describe('the report of a real pipeline run', () => {
  it('the pipeline succeeded and stored report.html under the run alias and in lineage', async () => {
    expect(succeeded.failure).toBeUndefined();
    const saved = await saveRunReport(succeeded.runId, join(work, 'alias-check.html'));
    const store = await createArtifactStore(readServices());
    const alias = await store.resolveAlias(succeeded.runId.replaceAll('/', '+'), 'report', 'report.html');
    expect(alias, 'runs/<run>/report/report.html exists').toBeDefined();
    const digest = createHash('sha256').update(await readFile(saved.path)).digest('hex');
    expect(digest, 'the lineage artifact and the alias are the same report').toBe(alias!.sha256);
  });

  it(`draws every section with the run's real steps, models, values and rejects`, async () => {
    expect(existsSync(CHROMIUM), MISSING_BROWSER).toBe(true);
    const { page, requests, errors } = await openRunReport(succeeded, 'succeeded');
    // taken first, so a failing assertion below still leaves the page to look at
    await mkdir(REPORT_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(REPORT_SCREENSHOTS, 'pipeline-report.png'), fullPage: true });
    expect(requests, 'the report must not load anything beyond itself').toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('[data-banner]').count(), 'a finished run has no banner').toBe(0);
    expect(await page.locator('header .sub').innerText()).toContain('status succeeded');

    for (const id of SECTION_IDS) {
      const section = page.locator(`section[data-section="${id}"]`);
      await expect(section.isVisible(), `section ${id} visible`).resolves.toBe(true);
      const missing = await section.locator('.not-computed').count();
      if (FILLED.includes(id)) expect(missing, `section ${id} has data`).toBe(0);
      else expect(missing, `section ${id} says why it is empty`).toBe(1);
    }

    const summary = await page.locator('section[data-section="summary"]').innerText();
    expect(summary).toContain(succeeded.runId);
    expect(summary).toContain('succeeded');
    expect(summary).toContain('knn-shapley');

    // Steps: the real step groups, each succeeded once, none from the cache.
    const stepRows = page.locator('section[data-section="steps"] table.data tbody tr');
    expect((await texts(page, 'section[data-section="steps"] table.data tbody tr td:first-child')).sort()).toEqual([...STEP_NAMES].sort());
    for (const row of await stepRows.all()) expect(await row.innerText()).toMatch(/succeeded[\s\S]*miss/);
    await expectChart(page, 'steps-gantt', STEP_NAMES);

    await expectChart(page, 'training-curves', ['pre-training', 'fine-tuning', 'epoch', 'loss', 'valued', 'control']);

    // Metrics: the valued model, its control and the three baselines, each with a real NDCG@10.
    const metricRows = await page.locator('section[data-section="metrics"] table.data tbody tr').all();
    const byModel = new Map<string, string[]>();
    for (const row of metricRows) {
      const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
      byModel.set(cells[0]!, cells);
    }
    expect([...byModel.keys()].sort()).toEqual([...MODELS].sort());
    for (const [model, cells] of byModel) expect(Number(cells[2]), `${model} NDCG@10`).toBeGreaterThanOrEqual(0);
    expect(Number(byModel.get('valued')![6]!.replace(/,/g, '')), 'valued trained on fewer examples than the control').toBeLessThan(Number(byModel.get('control')![6]!.replace(/,/g, '')));
    await expectChart(page, 'metrics-bars', ['NDCG@10', 'HR@10', 'MRR', 'AUC', ...MODELS]);
    // the verdict: every headline metric with the paired interval the infer step recorded
    const verdict = await page.locator('section[data-section="metrics"] p.headline').innerText();
    for (const metric of ['NDCG@10', 'HR@10', 'Recall@10', 'MRR', 'AUC']) expect(verdict).toMatch(new RegExp(`${metric} [\\d.]+ vs [\\d.]+, [+−][\\d.]+ \\[[+−][\\d.]+, [+−][\\d.]+\\]`));

    // Values: kept and quarantined on either side of a drawn threshold.
    await expectChart(page, 'value-histogram', ['knn-shapley (per interaction)', 'examples', 'kept', 'quarantined']);
    expect(await page.locator('figure[data-chart="value-histogram"] g[class*="mark-rule"] path, figure[data-chart="value-histogram"] g[class*="mark-rule"] line').count(), 'the threshold line').toBeGreaterThan(0);
    const valueCells = await texts(page, 'section[data-section="values"] table.data tbody td');
    expect(valueCells.at(-1), 'a threshold value').toMatch(/\d/);

    // Quarantine: the most contradicted examples out of everything quarantined.
    const quarantine = await page.locator('section[data-section="quarantine"] p').first().innerText();
    const [, shown, total] = /Top (\d+) of ([\d,]+) quarantined/.exec(quarantine) ?? [];
    expect(Number(shown)).toBeGreaterThan(0);
    expect(Number(total!.replace(/,/g, '')), 'all quarantined examples are counted, not only those listed').toBeGreaterThan(Number(shown));
    expect(await page.locator('section[data-section="quarantine"] table.data tbody tr').count()).toBe(Number(shown));
    // and what the valued fine-tune did with them (the spec's default: kept as context)
    expect(await page.locator('section[data-section="quarantine"] p').nth(1).innerText()).toMatch(/stayed in the users' histories as context/);

    // Rejects: the planted bad rows, by reason, with file:line examples.
    await expectChart(page, 'rejects-bars', ['rejected rows']);
    const rejects = await page.locator('section[data-section="rejects"]').innerText();
    expect(rejects).toContain('ml-100k.inter');
    expect(rejects).toMatch(/rating/);
    expect(rejects).toMatch(/unknown-item/);
    // a planted row shown as it is in the file, not rebuilt from parsed fields
    expect(rejects).toMatch(/186\s+99999\s+3\s+891717742/);
    expect(rejects).not.toMatch(/rejected of [\d,]+ rows read/);

    // Every chart on the page is drawn, not an empty box.
    for (const svg of await page.locator('figure > svg').all()) {
      const box = await svg.boundingBox();
      expect(box!.width * box!.height).toBeGreaterThan(0);
      expect(await svg.locator('path, text').count()).toBeGreaterThan(0);
    }

  }, 60_000);

  it('a run whose source folder does not exist still stores a report that says where and why it failed', async () => {
    expect(failed.failure, 'the pipeline failed').toBeDefined();
    expect(existsSync(CHROMIUM), MISSING_BROWSER).toBe(true);
    const { page, requests } = await openRunReport(failed, 'failed');
    await mkdir(REPORT_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(REPORT_SCREENSHOTS, 'pipeline-report-failed.png'), fullPage: true });
    expect(requests).toEqual([]);
    const banner = page.locator('[data-banner="failed"]');
    await expect(banner.isVisible()).resolves.toBe(true);
    const text = await banner.innerText();
    expect(text).toContain('Run failed at step preprocess.');
    expect(text, 'the banner gives the reason preprocess gave').toContain(MISSING_SOURCE);
    await expect(page.locator('section[data-section="metrics"] .not-computed').isVisible()).resolves.toBe(true);
  }, 60_000);
});
