// Writes docs/spec.md, the spec's field reference, from the zod schemas (`npm run docs:spec`).
// test/docs/spec-docs.test.ts fails when the file and the schemas disagree.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { specMarkdown, undocumentedFields } from '../shared/pipeline/spec-reference';

export const SPEC_DOC = path.resolve(__dirname, '..', 'docs', 'spec.md');

function main(): void {
  const missing = undocumentedFields();
  if (missing.length > 0) throw new Error(`every spec field needs a .describe() text; missing:\n  ${missing.join('\n  ')}`);
  writeFileSync(SPEC_DOC, specMarkdown());
  console.log(`wrote ${path.relative(process.cwd(), SPEC_DOC)}`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
