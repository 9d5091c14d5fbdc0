import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withRawLines } from '../../../shared/data/reject-raw-lines';
import type { Reject } from '../../../shared/data/rejects';

const reject = (file: string, line: number, excerpt: string): Reject => ({ file, line, field: '', reason: 'duplicate-event', detail: '', excerpt });

describe('withRawLines', () => {
  it('replaces an excerpt rebuilt from parsed fields with the line as it is in the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assay-raw-lines-'));
    const events = path.join(dir, 'events.csv');
    await writeFile(events, 'user,item,type,timestamp\r\nu1,i1,view,2024-01-01T00:00:00Z\r\nu1,i1,view,2024-01-01T00:00:00Z\r\n');
    const out = await withRawLines([reject(events, 3, 'user=u1 item=i1 type=view ts=1704067200000'), reject(events, 0, 'whole file')]);
    expect(out.map((r) => r.excerpt)).toEqual(['u1,i1,view,2024-01-01T00:00:00Z', 'whole file']);
  });

  it('keeps the parsed fields where no text line exists: parquet rows and files no longer there', async () => {
    const rejects = [reject('/nowhere/events.csv', 2, 'user=u1'), reject('/nowhere/events.parquet', 2, 'user=u2')];
    expect(await withRawLines(rejects)).toEqual(rejects);
  });

  it('truncates a long raw line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'assay-raw-lines-'));
    const file = path.join(dir, 'items.csv');
    await writeFile(file, `item,title\ni1,${'x'.repeat(5000)}\n`);
    const [out] = await withRawLines([reject(file, 2, 'item=i1')]);
    expect(out!.excerpt.length).toBeLessThan(400);
    expect(out!.excerpt.startsWith('i1,xxx')).toBe(true);
  });
});
