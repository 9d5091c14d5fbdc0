// The events' quantity and value columns: validated like every column (a bad cell is a reject
// with its file, line and field; the other rows stay), carried through preprocessing into the
// dataset on disk, and no longer reported as unread.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCanonical } from '../../../shared/data/adapters/canonical';
import { readDataset, writeDataset } from '../../../shared/data/artifacts/arrow-dataset';
import { preprocess } from '../../../shared/data/preprocess/preprocess';
import { profileDataset } from '../../../shared/data/profile';
import { LimitsSchema } from '../../../shared/data/source-config';
import { NOW, tempDir } from './helpers';

const limits = LimitsSchema.parse({});
const T = 1_700_000_000;

function source(lines: readonly string[]) {
  const dir = tempDir();
  const events = join(dir, 'events.csv');
  writeFileSync(events, lines.join('\n') + '\n');
  return { name: 'w', format: 'csv' as const, paths: { events }, limits, nowSeconds: NOW };
}

describe('quantity and value columns', () => {
  it('rejects a negative, non-numeric or non-finite cell with its location and keeps the other rows', async () => {
    const s = source([
      'user,item,type,timestamp,quantity,value',
      `u1,a,purchase,${T},2,3.5`,
      `u1,b,purchase,${T + 60},-1,1`,
      `u1,c,purchase,${T + 120},two,1`,
      `u1,d,purchase,${T + 180},1,NaN`,
      `u1,e,purchase,${T + 240},,`,
      `u2,a,purchase,${T + 300},1,-0.5`,
      `u2,b,purchase,${T + 360},Infinity,1`,
    ]);
    const raw = await loadCanonical(s);
    expect(raw.events.length).toBe(2);
    const located = raw.rejects.map((r) => ({ file: r.file, line: r.line, field: r.field, reason: r.reason }));
    expect(located).toEqual([
      { file: s.paths.events, line: 3, field: 'quantity', reason: 'out-of-range' },
      { file: s.paths.events, line: 4, field: 'quantity', reason: 'wrong-type' },
      { file: s.paths.events, line: 5, field: 'value', reason: 'wrong-type' },
      { file: s.paths.events, line: 7, field: 'value', reason: 'out-of-range' },
      { file: s.paths.events, line: 8, field: 'quantity', reason: 'wrong-type' },
    ]);
    expect(raw.rejects[0]!.detail).toMatch(/quantity must be ≥ 0/);
    expect(raw.rejects[0]!.excerpt).toBe(`u1,b,purchase,${T + 60},-1,1`);
    expect(raw.unknownColumns).toEqual({});
  });

  it('carries the columns into the dataset (NaN where a row gave none) and through its files', async () => {
    const s = source([
      'user,item,type,timestamp,quantity',
      `u1,a,purchase,${T},2`,
      `u1,b,purchase,${T + 60},`,
      `u1,c,purchase,${T + 120},5`,
      `u2,a,purchase,${T + 180},1`,
      `u2,c,purchase,${T + 240},0`,
      `u2,b,purchase,${T + 300},3`,
    ]);
    const raw = await loadCanonical(s);
    const result = await preprocess(raw, { split: { mode: 'leave-last-out' } });
    const ds = result.dataset;
    expect(ds.train.value).toBeUndefined();
    const byRow = (t: typeof ds.train) => Array.from({ length: t.length }, (_, i) => `${ds.userIds[t.user[i]!]}:${ds.itemIds[t.item[i]!]}=${t.quantity![i]}`);
    expect(byRow(ds.train)).toEqual(['u1:a=2', 'u2:a=1']);
    expect(byRow(ds.valid)).toEqual(['u1:b=NaN', 'u2:c=0']);
    expect(byRow(ds.test)).toEqual(['u1:c=5', 'u2:b=3']);

    const dir = tempDir();
    await writeDataset(dir, ds);
    const back = await readDataset(dir);
    expect(Array.from(back.test.quantity!)).toEqual([5, 3]);
    expect(back.train.value).toBeUndefined();

    const profile = profileDataset(raw, result);
    expect(profile.weightColumns.quantity).toMatchObject({ rows: 5, distribution: { min: 0, max: 5, p50: 2 } });
    expect(profile.weightColumns.value).toBeUndefined();
  });

  it('adds no column to a dataset whose events have none, so its files stay as they were', async () => {
    const s = source(['user,item,type,timestamp', `u1,a,purchase,${T}`, `u1,b,purchase,${T + 60}`, `u1,c,purchase,${T + 120}`]);
    const { dataset } = await preprocess(await loadCanonical(s), { split: { mode: 'leave-last-out' } });
    const manifest = await writeDataset(tempDir(), dataset);
    expect(manifest.files.train!.schema.map((f) => f.name)).toEqual(['user', 'item', 'ts', 'type', 'session', 'relevance', 'query', 'position']);
  });
});
