import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../infra/dev/paths';
import { FEATURE_SWITCHES, FORMAT_REFERENCE, formatReferenceText } from '../../../shared/data/format-reference';
import { KNOWN_COLUMNS } from '../../../shared/data/unknown-columns';

describe('the generic format reference', () => {
  it('names exactly the columns the schemas read, table by table', () => {
    for (const table of FORMAT_REFERENCE) expect(table.columns.map((c) => c.name).sort()).toEqual([...KNOWN_COLUMNS[table.table]].sort());
  });

  it('is what docs/data-format.md and `assay spec` document', () => {
    const docs = readFileSync(path.join(repoRoot, 'docs', 'data-format.md'), 'utf8');
    const text = formatReferenceText();
    for (const table of FORMAT_REFERENCE) {
      for (const c of table.columns) {
        expect(docs).toContain(`| \`${c.name}\` | ${c.required ? 'yes' : 'no'} |`);
        expect(text).toMatch(new RegExp(`^  ${c.name} +${c.required ? 'required' : 'optional'} `, 'm'));
      }
    }
    for (const f of FEATURE_SWITCHES) {
      const key = f.path.split(' ')[0]!;
      expect(text).toContain(key);
      expect(docs).toContain(key.split('.').pop());
    }
  });
});
