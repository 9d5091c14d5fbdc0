// Dates are read strictly: an impossible date, an ambiguous one, or an ISO time without an
// offset is rejected with its file, line and reason, never rolled over or read in the local
// zone; epoch numbers follow the declared unit.
import { describe, expect, it } from 'vitest';
import { loadSource } from '../../../shared/data/load';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { NOW, writeTemp } from './helpers';

const T = NOW - 86_400;

async function load(rows: string[], extra: Record<string, unknown> = {}) {
  const file = writeTemp('events.csv', `user,item,type,timestamp\n${rows.join('\n')}\n`);
  const raw = await loadSource(parseDataSourceConfig({ format: 'csv', paths: { events: file }, nowSeconds: NOW, ...extra }));
  return { file, raw, ts: Array.from(raw.events.columns().ts) };
}

describe('strict timestamps', () => {
  it('rejects impossible and ambiguous dates and offset-less times with their location, keeping the good rows', async () => {
    const { file, raw, ts } = await load([
      'u1,i1,view,1999-02-30T10:00:00Z',
      'u1,i2,view,01/02/2000',
      'u1,i3,view,2020-01-01T10:00:00',
      'u1,i4,view,2020-01-01T10:00:00+02:00',
      'u1,i5,view,2020-13-01T00:00:00Z',
      'u1,i6,view,2020-02-29T23:59:59.5Z',
      'u1,i7,view,2020-01-01T24:00:00Z',
    ]);
    expect(raw.rejects.map((r) => [r.file, r.line, r.field, r.reason])).toEqual([
      [file, 2, 'timestamp', 'impossible-date'],
      [file, 3, 'timestamp', 'ambiguous-date'],
      [file, 4, 'timestamp', 'missing-offset'],
      [file, 6, 'timestamp', 'impossible-date'],
      [file, 8, 'timestamp', 'impossible-date'],
    ]);
    expect(raw.rejects[0]!.detail).toBe('timestamp "1999-02-30T10:00:00Z" is not a real time: day 30 is not in 1999-02 (1-28)');
    expect(raw.rejects[1]!.detail).toContain('is ambiguous (day and month order differ by locale)');
    expect(raw.rejects[2]!.detail).toContain('declare source.timestamps.timeZone');
    expect(ts).toEqual([Date.UTC(2020, 0, 1, 8) / 1000, Date.UTC(2020, 1, 29, 23, 59, 59, 500) / 1000]);
    expect(raw.events.length + raw.rejects.length).toBe(raw.rowsRead[file]);
  });

  it('reads offset-less times in the declared zone, across daylight saving time', async () => {
    const { ts } = await load(['u1,i1,view,2020-01-01T10:00:00', 'u1,i2,view,2020-07-01 10:00'], { timestamps: { timeZone: 'Europe/Paris' } });
    expect(ts).toEqual([Date.UTC(2020, 0, 1, 9) / 1000, Date.UTC(2020, 6, 1, 8) / 1000]);
  });

  it('reads epoch numbers by the declared unit and calls a wrong unit out', async () => {
    const ms = await load([`u1,i1,view,${T * 1000}`], { timestamps: { unit: 'milliseconds' } });
    expect(ms.ts).toEqual([T]);
    const seconds = await load([`u1,i1,view,${T * 1000}`, `u1,i2,view,${T}`], { timestamps: { unit: 'seconds' } });
    expect(seconds.ts).toEqual([T]);
    expect(seconds.raw.rejects).toEqual([expect.objectContaining({ line: 2, reason: 'future-timestamp' })]);
    expect(seconds.raw.rejects[0]!.detail).toContain('check its unit (source.timestamps.unit is seconds)');
  });

  it('refuses a time zone Intl does not know', () => {
    expect(() => parseDataSourceConfig({ format: 'csv', paths: { events: 'e.csv' }, timestamps: { timeZone: 'Mars/Olympus' } })).toThrow('timestamps.timeZone: not a time zone');
  });
});
