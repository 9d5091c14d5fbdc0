// `assay spec`: the reference a user needs to write a spec for their own data — the generic
// input format (columns, types, timestamps) and where the examples are.
import type { Command } from 'commander';
import { formatReferenceText } from '../shared/data/format-reference';

export function registerSpec(program: Command): void {
  program.command('spec')
    .description('describe the generic input format (events, items, judgments) a spec can point at')
    .action(() => {
      console.log(formatReferenceText());
    });
}
