// Debian's chromium through playwright-core, for the tests that look at a report as a person
// does: one launch recipe, one way to open a page and record what it fetched and what threw.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
// No sandbox (containers lack the namespaces), no GPU, and no background traffic, so any
// request the page makes is the page's own.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where report screenshots are kept for a human look. */
export const REPORT_SCREENSHOTS = resolve(__dirname, '../../../test-output/report');

export function missingBrowserMessage(testFile: string): string {
  return (
    `The browser test needs Debian's chromium at ${CHROMIUM}, which is missing.\n` +
    'Install it with:  apt-get update && apt-get install -y chromium\n' +
    `(then re-run: npx vitest run ${testFile})`
  );
}

/** A headless browser with its profile under `workDir`; undefined when chromium is not installed. */
export async function launchChromium(workDir: string): Promise<BrowserContext | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  return chromium.launchPersistentContext(join(workDir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
}

export interface OpenedPage {
  page: Page;
  /** every URL the page requested beyond `url` itself */
  requests: string[];
  /** uncaught errors thrown by the page's scripts */
  errors: string[];
}

/** Opens `url` in a new tab, expecting HTTP 200. */
export async function openPage(context: BrowserContext, url: string): Promise<OpenedPage> {
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return { page, requests: requests.filter((u) => u !== url), errors };
}
