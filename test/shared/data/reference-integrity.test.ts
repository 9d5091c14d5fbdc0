// Events must reference users and items the dataset's own tables list: ml-100k ships a user
// table, and an event of a user it does not list is rejected with its line, not kept.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMl100k } from '../../../shared/data/adapters/ml-100k';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { NOW, tempDir } from './helpers';

const T = NOW - 86_400;
const limits = parseDataSourceConfig({ format: 'ml-100k', path: '.' }).limits;

function ml100k(withUsers: boolean): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'ml-100k.item'), 'item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n10\tToy Story\t1995\tAnimation\n11\tHeat\t1995\tAction\n');
  writeFileSync(join(dir, 'ml-100k.inter'), ['user_id:token\titem_id:token\trating:float\ttimestamp:float', `1\t10\t5\t${T}`, `2\t11\t3\t${T}`, `3\t10\t4\t${T}`, `1\t99\t4\t${T}`].join('\n'));
  if (withUsers) writeFileSync(join(dir, 'ml-100k.user'), 'user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n1\t24\tM\ttechnician\t85711\n2\t53\tF\tother\t94043\n\t30\tF\tother\t1\n');
  return dir;
}

describe('ml-100k reference integrity', () => {
  it('rejects events of users the user table does not list, and items the item table does not list', async () => {
    const dir = ml100k(true);
    const raw = await loadMl100k(dir, limits, NOW);
    const inter = join(dir, 'ml-100k.inter');
    const fromInter = raw.rejects.filter((r) => r.file === inter);
    expect(fromInter.map((r) => [r.line, r.field, r.reason, r.detail])).toEqual([
      [4, 'user_id', 'unknown-user', `user '3' is not in ${join(dir, 'ml-100k.user')}`],
      [5, 'item_id', 'unknown-item', `item '99' is not in ${join(dir, 'ml-100k.item')}`],
    ]);
    expect(Array.from(raw.events.columns().line)).toEqual([2, 3]);
    expect(raw.events.length + fromInter.length).toBe(raw.rowsRead[inter]);
    // the user table's own bad row is a reject too
    expect(raw.rejects.find((r) => r.file.endsWith('ml-100k.user'))).toMatchObject({ line: 4, field: 'user_id', reason: 'out-of-range' });
  });

  it('keeps every user when the folder has no user table', async () => {
    const raw = await loadMl100k(ml100k(false), limits, NOW);
    expect(raw.events.length).toBe(3);
    expect(raw.rejects.map((r) => r.reason)).toEqual(['unknown-item']);
  });
});
