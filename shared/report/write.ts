import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunReportInput } from './input';
import { buildReportHtml } from './page';

/**
 * Builds the report and writes it to `outPath` (folders created). Written to a temporary
 * file first and renamed, so a reader never opens half a report.
 */
export async function writeReport(input: RunReportInput, outPath: string): Promise<{ path: string; bytes: number }> {
  const html = await buildReportHtml(input);
  await mkdir(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp`;
  await writeFile(tmp, html, 'utf8');
  await rename(tmp, outPath);
  return { path: outPath, bytes: Buffer.byteLength(html) };
}
