// The real stack's Temporal client and lineage database for one test file: opened before its
// tests, closed after them. Read them inside tests (`stack.client`), not at import time.
import { afterAll, beforeAll } from 'vitest';
import { readServices } from '../../shared/config/services';
import { openDatabase, type OpenedDatabase } from '../../shared/db/open-database';
import { AssayClient } from '../../cli/client';
import { requireServices } from './services';

export interface StackClients {
  readonly client: AssayClient;
  readonly opened: OpenedDatabase;
}

export function useStackClients(): StackClients {
  let client: AssayClient | undefined;
  let opened: OpenedDatabase | undefined;
  beforeAll(async () => {
    requireServices('ASSAY_TEMPORAL_ADDRESS', 'ASSAY_S3_ENDPOINT', 'ASSAY_DATABASE_URL');
    client = await AssayClient.connect(readServices());
    opened = await openDatabase(readServices());
  });
  afterAll(async () => {
    await client?.close();
    await opened?.close();
  });
  const opening = (what: string) => new Error(`${what} is opened in beforeAll; read it inside a test`);
  return {
    get client() { if (!client) throw opening('the Temporal client'); return client; },
    get opened() { if (!opened) throw opening('the lineage database'); return opened; },
  };
}
