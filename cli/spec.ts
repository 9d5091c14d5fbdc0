// `assay spec`: the reference a user needs to write a spec — every field with its type, default
// and meaning (generated from the schemas, as docs/spec.md is), the generic input format
// (columns, types, timestamps), and where the examples are.
import type { Command } from 'commander';
import { formatReferenceText } from '../shared/data/format-reference';
import { specText } from '../shared/pipeline/spec-reference';

const FIELDS_HEADER = 'Spec fields (path, type = default, meaning; docs/spec.md has the same reference):';

export function registerSpec(program: Command): void {
  program.command('spec')
    .description('describe every spec field (type, default, meaning) and the generic input format (events, items, judgments) a spec can point at')
    .option('--fields', 'print only the spec field reference')
    .option('--format', 'print only the generic input format')
    .addHelpText('after', () => `\n${FIELDS_HEADER}\n\n${specText()}\n\nExamples: specs/ml-100k.json, specs/generic-csv.json.`)
    .action((flags: { fields?: boolean; format?: boolean }) => {
      const both = !flags.fields && !flags.format;
      if (flags.fields || both) console.log(`${FIELDS_HEADER}\n\n${specText()}`);
      if (both) console.log('');
      if (flags.format || both) console.log(formatReferenceText());
    });
}
