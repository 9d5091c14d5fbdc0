import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCanonical } from '../../../shared/data/adapters/canonical';
import { LimitsSchema } from '../../../shared/data/source-config';
import { NOW, tempDir } from './helpers';
import { writeParquet } from './parquet-fixture';

describe('Parquet events through hyparquet', () => {
  it('reads rows in batches, validates them and rejects bad rows by row number', async () => {
    const path = join(tempDir(), 'events.parquet');
    const T = 1_700_000_000;
    writeParquet(path, [
      { name: 'user', kind: 'utf8', values: ['u1', 'u1', 'u2', 'u3'] },
      { name: 'item', kind: 'int64', values: [10, 11, 10, 12] },
      { name: 'type', kind: 'utf8', values: ['view', 'purchase', 'teleport', 'cart'] },
      { name: 'timestamp', kind: 'int64', values: [T, T + 60, T, (T + 5) * 1000] },
      { name: 'price_seen', kind: 'double', values: [1.5, 2.5, 3.5, 4.5] },
    ]);
    const raw = await loadCanonical({ name: 'p', format: 'parquet', paths: { events: path }, limits: LimitsSchema.parse({}), nowSeconds: NOW });
    expect(raw.rejects.map((r) => [r.line, r.field, r.reason])).toEqual([[3, 'type', 'invalid-value']]);
    const c = raw.events.columns();
    expect(raw.events.length).toBe(3);
    expect(raw.events.items.values).toEqual(['10', '11', '12']);
    expect(Array.from(c.ts)).toEqual([T, T + 60, T + 5]);
    expect(Array.from(c.line)).toEqual([1, 2, 4]);
  });
});
