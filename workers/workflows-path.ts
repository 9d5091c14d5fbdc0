// Workers bundle workflow code from source; one place names the entry so tests and worker
// processes bundle the same thing.
import path from 'node:path';

export const workflowsPath = path.join(__dirname, '..', 'workflows', 'index.ts');
