// The report as a person sees it: Debian's chromium opens the served page, every section and
// chart must be drawn with a real size and readable labels, nothing may be fetched from the
// network, and a hostile item title must stay text. A full-page screenshot is kept in
// test-output/report/ for a human look.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTION_IDS } from '../../../shared/report/page';
import { serveReport, type ServedReport } from '../../../shared/report/serve';
import { writeReport } from '../../../shared/report/write';
import { CHROMIUM, launchChromium, missingBrowserMessage, openPage, REPORT_SCREENSHOTS as OUTPUT_DIR } from './chromium';
import { buildFailedRun, buildRealisticRun } from './fixtures/realistic-run';

/** Chart id → labels a reader must be able to see in it. */
const CHART_LABELS: Record<string, string[]> = {
  'steps-gantt': ['minutes since run start', 'pretrain', 'cache hit'],
  'training-curves': ['pre-training', 'fine-tuning', 'epoch', 'loss'],
  'metrics-bars': ['NDCG@10', 'HR@10', 'MRR', 'AUC', 'valued (knn-shapley)', 'EASE'],
  'value-histogram': ['value (knn-shapley)', 'value (data-oob)', 'examples', 'quarantined'],
  'detection-bars': ['score (vs ground truth)', 'AUC', 'F1', 'knn-shapley'],
  'point-removal': ['fraction of training data removed', 'NDCG@10', 'lowest value first', 'highest value first'],
  'rejects-bars': ['rejected rows', 'rating outside 1–5'],
};

const MISSING_BROWSER = missingBrowserMessage('test/shared/report/browser.test.ts');

let work = '';
let context: BrowserContext | undefined;
const served: ServedReport[] = [];

/** Every test fails with the install hint when the browser is missing: never a silent skip. */
function browser(): BrowserContext {
  if (!context) throw new Error(MISSING_BROWSER);
  return context;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  work = await mkdtemp(join(tmpdir(), 'assay-report-browser-'));
  context = await launchChromium(work);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await Promise.all(served.map((s) => s.close()));
  if (work) await rm(work, { recursive: true, force: true });
});

/** Writes, serves and opens a report; returns the page and every URL the page requested. */
async function openReport(input: Parameters<typeof writeReport>[0], name: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const path = join(work, `${name}.html`);
  await writeReport(input, path);
  const server = await serveReport(path);
  served.push(server);
  return openPage(browser(), server.url);
}

describe('run report in a browser', () => {
  it(`finds Debian's chromium at ${CHROMIUM}`, () => {
    expect(existsSync(CHROMIUM), MISSING_BROWSER).toBe(true);
  });

  it('draws every section and chart with visible labels, fetching nothing', async () => {
    const { page, requests, errors } = await openReport(buildRealisticRun(), 'realistic');
    expect(requests, 'the report must not load anything beyond itself').toEqual([]);
    expect(errors).toEqual([]);

    for (const id of SECTION_IDS) {
      const section = page.locator(`section[data-section="${id}"]`);
      await expect(section.isVisible(), `section ${id} visible`).resolves.toBe(true);
      expect(await section.locator('.not-computed').count(), `section ${id} has data in the full run`).toBe(0);
    }

    for (const [chartId, labels] of Object.entries(CHART_LABELS)) {
      const svg = page.locator(`figure[data-chart="${chartId}"] > svg`);
      expect(await svg.count(), `one SVG in ${chartId}`).toBe(1);
      const box = await svg.boundingBox();
      expect(box, `${chartId} has a layout box`).not.toBeNull();
      expect(box!.width, `${chartId} width`).toBeGreaterThan(200);
      expect(box!.height, `${chartId} height`).toBeGreaterThan(100);
      // Something was plotted: marks with area, not only axes.
      const marks = await svg.locator('g[class*="mark-rect"] path, g[class*="mark-line"] path, g[class*="mark-symbol"] path').count();
      expect(marks, `${chartId} has plotted marks`).toBeGreaterThan(0);
      for (const label of labels) {
        const text = svg.locator('text', { hasText: label }).first();
        await expect(text.isVisible(), `"${label}" visible in ${chartId}`).resolves.toBe(true);
      }
    }

    // Charts fit the page: no horizontal scrollbar at a laptop's width.
    // Browser-side code as strings: the project compiles without the DOM lib.
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.locator('[data-banner]').count()).toBe(0);

    await mkdir(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'report.png'), fullPage: true });
  }, 60_000);

  it('opens a failed run with a visible red banner above the summary', async () => {
    const { page, requests } = await openReport(buildFailedRun(), 'failed');
    expect(requests).toEqual([]);
    const banner = page.locator('[data-banner="failed"]');
    await expect(banner.isVisible()).resolves.toBe(true);
    expect(await banner.innerText()).toContain('Run failed at step finetune.');
    const colours = await page.evaluate<{ border: string; background: string }>(
      `(() => { const s = getComputedStyle(document.querySelector('[data-banner="failed"]')); return { border: s.borderTopColor, background: s.backgroundColor }; })()`,
    );
    expect(colours).toEqual({ border: 'rgb(209, 36, 47)', background: 'rgb(255, 235, 233)' });
    const bannerBox = await banner.boundingBox();
    const summaryBox = await page.locator('section[data-section="summary"]').boundingBox();
    expect(bannerBox!.y).toBeLessThan(summaryBox!.y);
    await expect(page.locator('section[data-section="metrics"] .not-computed').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(OUTPUT_DIR, 'report-failed.png'), fullPage: true });
  }, 60_000);

  it('shows a <script> item title as text and never runs it', async () => {
    const input = buildRealisticRun();
    input.quarantine![0] = { ...input.quarantine![0]!, itemTitle: '<script>window.__pwned = 1</script>Toy Story', contradiction: 99 };
    input.rejects!.byReason.push({ reason: '<img src=x onerror="window.__pwned = 2">', count: 5 });
    const { page, requests } = await openReport(input, 'hostile');
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
    expect(await page.locator('section[data-section="quarantine"] script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    await expect(page.getByText('<script>window.__pwned = 1</script>Toy Story').isVisible()).resolves.toBe(true);
    expect(requests, 'an injected <img> would have requested x').toEqual([]);
  }, 60_000);
});
