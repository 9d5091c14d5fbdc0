import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveReport } from '../../../shared/report/serve';
import { writeReport } from '../../../shared/report/write';
import { buildFailedRun } from './fixtures/realistic-run';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('writes the page into a new folder and reports its size', async () => {
    const out = join(dir, 'runs', 'r1', 'report.html');
    const written = await writeReport(buildFailedRun(), out);
    const text = await readFile(out, 'utf8');
    expect(written).toEqual({ path: out, bytes: Buffer.byteLength(text) });
    expect(text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(text).toContain('data-banner="failed"');
  });
});

describe('serveReport', () => {
  it('serves the file on 127.0.0.1 at the returned URL, and nothing else', async () => {
    const path = join(dir, 'served.html');
    await writeFile(path, '<!DOCTYPE html><p>first</p>');
    const served = await serveReport(path);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(served.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toBe('<!DOCTYPE html><p>first</p>');
      // A rewritten report is served fresh.
      await writeFile(path, '<!DOCTYPE html><p>second</p>');
      expect(await (await fetch(served.url)).text()).toBe('<!DOCTYPE html><p>second</p>');
      expect((await fetch(new URL('/../../etc/passwd', served.url))).status).toBe(404);
      expect((await fetch(new URL('/other.html', served.url))).status).toBe(404);
      expect((await fetch(served.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await served.close();
    }
  });

  it('refuses a report that does not exist, saying how to build it', async () => {
    await expect(serveReport(join(dir, 'missing.html'))).rejects.toThrow(/does not exist\. Build it first/);
  });

  it('names the port when it is taken', async () => {
    const path = join(dir, 'busy.html');
    await writeFile(path, 'x');
    const first = await serveReport(path);
    try {
      const port = Number(new URL(first.url).port);
      await expect(serveReport(path, port)).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      await first.close();
    }
  });
});
