// Amazon Beauty as preprocessed for BERT4Rec (beauty.txt): `user item` per line, each user's
// lines in time order, no timestamps. Every line is a purchase (a review implies one), and
// the timestamp is the 1-based position in the user's sequence — enough for leave-last-out,
// the protocol of the published numbers on this file. A time split is meaningless here.
import { join } from 'node:path';
import type { Reject } from '../rejects';
import { RawEventTable, type RawDataset } from '../raw-events';
import { readLines } from '../read/lines';
import type { Limits } from '../source-config';
import { collect } from './canonical';

const LINE = /^\s*(\d+)\s+(\d+)\s*$/;

export async function loadAmazonBeauty(dir: string, limits: Limits): Promise<RawDataset> {
  const file = join(dir, 'beauty.txt');
  const rejects: Reject[] = [];
  const events = new RawEventTable();
  const positionOf = new Map<string, number>();
  const rowsRead: Record<string, number> = {};

  rowsRead[file] = await collect(file, rejects, async (onRow) => {
    for await (const physical of readLines(file, { maxLineBytes: limits.maxLineBytes })) {
      const { line } = physical;
      if ('error' in physical) {
        onRow();
        rejects.push({ file, line, field: '', reason: physical.error, detail: physical.detail, excerpt: physical.excerpt });
        continue;
      }
      if (physical.text.trim() === '') continue;
      onRow();
      const match = LINE.exec(physical.text);
      if (!match) {
        rejects.push({ file, line, field: '', reason: 'wrong-type', detail: 'expected two integers `user_id item_id` separated by whitespace', excerpt: physical.text });
        continue;
      }
      const user = match[1] as string;
      const position = (positionOf.get(user) ?? 0) + 1;
      positionOf.set(user, position);
      events.append({ user, item: match[2] as string, type: 'purchase', timestamp: position }, file, line);
      if (limits.maxEvents !== undefined && events.length >= limits.maxEvents) break;
    }
  });

  return {
    name: 'amazon-beauty',
    items: [],
    hasItemTable: false,
    events,
    judgments: [],
    rejects,
    rowsRead,
    notes: ['every line is a purchase; timestamp = 1-based position in the user sequence (no real time): use split mode leave-last-out'],
  };
}
