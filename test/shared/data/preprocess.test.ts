import { describe, expect, it } from 'vitest';
import { preprocess } from '../../../shared/data/preprocess/preprocess';
import { reversedTime, sequencesOf } from '../../../shared/data/preprocess/sequences';
import { RawEventTable, type RawDataset } from '../../../shared/data/raw-events';
import type { AppendableEvent } from '../../../shared/data/raw-events';
import type { InteractionTable } from '../../../shared/data/types';

const T = 1_700_000_000;

function rawOf(events: AppendableEvent[], extra: Partial<RawDataset> = {}): RawDataset {
  const table = new RawEventTable();
  events.forEach((e, i) => table.append(e, 'events.jsonl', i + 1));
  return { name: 't', items: [], hasItemTable: false, events: table, judgments: [], rejects: [], rowsRead: {}, ...extra };
}

const ev = (user: string, item: string, ts: number, type: AppendableEvent['type'] = 'click', more: Partial<AppendableEvent> = {}): AppendableEvent => ({ user, item, timestamp: ts, type, ...more });

function rows(t: InteractionTable): number[][] {
  return Array.from({ length: t.length }, (_, i) => [t.user[i]!, t.item[i]!, t.ts[i]!]);
}

describe('preprocess', () => {
  it('drops exact duplicate events (reporting where the original is) and keeps near-duplicates', async () => {
    const raw = rawOf([ev('u', 'a', T), ev('u', 'a', T), ev('u', 'a', T, 'cart'), ev('u', 'a', T + 1)]);
    const { rejects, summary } = await preprocess(raw, { split: { mode: 'time', valid: 0, test: 0 } });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ file: 'events.jsonl', line: 2, reason: 'duplicate-event' });
    expect(rejects[0]!.detail).toContain('events.jsonl:1');
    expect(summary.eventsKept).toBe(3);
  });

  it('keeps the first of duplicate items and rejects the later one with both locations', async () => {
    const item = (id: string, title: string) => ({ id, title, description: undefined, categoryPath: [], brand: undefined, price: undefined });
    const raw = rawOf([ev('u', 'a', T)], {
      hasItemTable: true,
      items: [
        { item: item('a', 'first'), file: 'items.jsonl', line: 1 },
        { item: item('a', 'second'), file: 'items.jsonl', line: 7 },
      ],
    });
    const { dataset, rejects } = await preprocess(raw);
    expect(dataset.itemText).toEqual(['first']);
    expect(rejects[0]).toMatchObject({ line: 7, reason: 'duplicate-item' });
    expect(rejects[0]!.detail).toContain('items.jsonl:1');
  });

  it('sessionizes by the inactivity gap, but a session given by the source wins', async () => {
    const gap = 1800;
    const raw = rawOf([
      ev('u', 'a', T),
      ev('u', 'b', T + gap), // exactly the gap: same session
      ev('u', 'c', T + 2 * gap + 1), // gap exceeded: new session
      ev('u', 'd', T + 2 * gap + 5, 'click', { session: 'S1' }),
      ev('u', 'e', T + 10 * gap, 'click', { session: 'S1' }), // hours later, same source session
      ev('v', 'a', T + 1), // other user: own session
    ]);
    const { dataset } = await preprocess(raw, { sessionGapSeconds: gap, split: { mode: 'time', valid: 0, test: 0 } });
    const t = dataset.train;
    const byItemOfU = new Map<string, number>();
    for (let i = 0; i < t.length; i++) if (t.user[i] === 0) byItemOfU.set(dataset.itemIds[t.item[i]!]!, t.session[i]!);
    expect(byItemOfU.get('a')).toBe(byItemOfU.get('b'));
    expect(byItemOfU.get('c')).not.toBe(byItemOfU.get('b'));
    expect(byItemOfU.get('d')).toBe(byItemOfU.get('e'));
    expect(byItemOfU.get('d')).not.toBe(byItemOfU.get('c'));
    const sessionOfV = t.session[Array.from(t.user).indexOf(1)];
    expect([...byItemOfU.values()]).not.toContain(sessionOfV);
  });

  it('labels graded relevance from the event type and turns clicked impressions into their click', async () => {
    const raw = rawOf([
      ev('u', 'a', T, 'view', { query: 'q', position: 0, searchId: 's1' }),
      ev('u', 'b', T, 'view', { query: 'q', position: 1, searchId: 's1' }),
      ev('u', 'b', T + 5, 'click', { query: 'q', position: 1, searchId: 's1' }),
      ev('u', 'c', T + 9, 'cart'),
      ev('u', 'd', T + 10, 'purchase'),
    ]);
    const { dataset, rejects } = await preprocess(raw, { split: { mode: 'time', valid: 0, test: 0 } });
    const t = dataset.train;
    const labels = Object.fromEntries(Array.from({ length: t.length }, (_, i) => [`${dataset.itemIds[t.item[i]!]}:${t.type[i]}`, t.relevance[i]]));
    expect(labels).toEqual({ 'a:0': 0, 'b:1': 1, 'c:2': 2, 'd:3': 3 });
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([[2, 'impression-superseded']]);
    expect(dataset.queries).toEqual(['q']);
  });

  it('time split: no valid or test interaction is earlier than any train interaction, ties stay together', async () => {
    const events: AppendableEvent[] = [];
    for (let i = 0; i < 200; i++) events.push(ev(`u${i % 7}`, `i${(i * 13) % 31}`, T + Math.floor(i / 3) * 60 + (i % 3)));
    events.push(ev('u1', 'x', T + 66 * 60), ev('u2', 'y', T + 66 * 60)); // a tie
    const { dataset, summary } = await preprocess(rawOf(events), { split: { mode: 'time', valid: 0.1, test: 0.1 } });
    const maxTrain = Math.max(...dataset.train.ts);
    const minValid = Math.min(...dataset.valid.ts);
    const maxValid = Math.max(...dataset.valid.ts);
    const minTest = Math.min(...dataset.test.ts);
    expect(minValid).toBeGreaterThan(maxTrain);
    expect(minTest).toBeGreaterThan(maxValid);
    expect(summary.split.train + summary.split.valid + summary.split.test).toBe(202);
    expect(summary.split.test).toBeGreaterThanOrEqual(18);
    expect(summary.split.test).toBeLessThanOrEqual(23);
  });

  it('leave-last-out: each user\u2019s last event is test, the one before valid, the rest train', async () => {
    const raw = rawOf([
      ev('a', 'i1', 3), ev('a', 'i2', 1), ev('a', 'i3', 2), ev('a', 'i4', 4), // out of order in the file
      ev('b', 'i1', 1), ev('b', 'i2', 2), // two events: train + test
      ev('c', 'i9', 5), // one event: train only
    ].map((e) => ({ ...e, timestamp: e.timestamp })));
    const { dataset } = await preprocess(raw, { split: { mode: 'leave-last-out' } });
    const named = (t: InteractionTable) => rows(t).map(([u, i, ts]) => `${dataset.userIds[u!]}:${dataset.itemIds[i!]}@${ts}`);
    expect(named(dataset.test)).toEqual(['a:i4@4', 'b:i2@2']);
    expect(named(dataset.valid)).toEqual(['a:i1@3']);
    expect(named(dataset.train)).toEqual(['a:i2@1', 'a:i3@2', 'b:i1@1', 'c:i9@5']);
  });

  it('min-interaction filters repeat until both hold (k-core) and report what they removed', async () => {
    const raw = rawOf([
      ev('u1', 'a', T), ev('u1', 'b', T + 1),
      ev('u2', 'a', T), ev('u2', 'b', T + 1),
      ev('u3', 'a', T), ev('u3', 'c', T + 1), // c has 1 event → removed → u3 has 1 → removed
    ]);
    const { dataset, rejects } = await preprocess(raw, { minUserInteractions: 2, minItemInteractions: 2, split: { mode: 'time', valid: 0, test: 0 } });
    expect(dataset.userIds).toEqual(['u1', 'u2']);
    expect(dataset.itemIds).toEqual(['a', 'b']);
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      [6, 'below-min-item-interactions'],
      [5, 'below-min-user-interactions'],
    ]);
  });

  it('sequencesOf gives time-ordered per-user item lists in CSR form', () => {
    const table: InteractionTable = {
      length: 5,
      user: Int32Array.from([1, 0, 1, 0, 1]),
      item: Int32Array.from([10, 20, 11, 21, 12]),
      ts: Float64Array.from([5, 9, 1, 3, 3]),
      type: new Uint8Array(5),
      session: new Int32Array(5),
      relevance: new Float32Array(5),
      query: new Int32Array(5).fill(-1),
    };
    const seq = sequencesOf(table, 3);
    expect(Array.from(seq.offsets)).toEqual([0, 2, 5, 5]);
    expect(Array.from(seq.items)).toEqual([21, 20, 11, 12, 10]);
  });

  it('reversedTime reverses each user\'s order, ties in time included, and leaves every other column as it was', () => {
    // user 1's rows 2 and 4 share a time: the row order breaks the tie forward, so reversed the later row comes first
    const table: InteractionTable = {
      length: 6,
      user: Int32Array.from([1, 0, 1, 0, 1, 0]),
      item: Int32Array.from([10, 20, 11, 21, 12, 22]),
      ts: Float64Array.from([5, 9, 3, 3, 3, 4]),
      type: new Uint8Array(6),
      session: new Int32Array(6),
      relevance: new Float32Array(6),
      query: new Int32Array(6).fill(-1),
    };
    const reversed = reversedTime(table);
    expect(Array.from(sequencesOf(table, 2).items)).toEqual([21, 22, 20, 11, 12, 10]);
    expect(Array.from(sequencesOf(reversed, 2).items)).toEqual([20, 22, 21, 10, 12, 11]);
    expect(reversed.item).toBe(table.item);
    expect(reversed.user).toBe(table.user);
    expect(Array.from(table.ts)).toEqual([5, 9, 3, 3, 3, 4]);
  });
});
