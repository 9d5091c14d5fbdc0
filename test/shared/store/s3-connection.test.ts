import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readServices } from '../../../shared/config/services';
import { ArtifactStoreUnavailableError, createArtifactStore, MinioArtifactStore } from '../../../shared/store';
import { connectS3 } from '../../../shared/store/s3-connection';

/** A localhost port nothing listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('S3 connection errors', () => {
  it('names the unreachable endpoint and the fix, keeping the network error as the cause', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const services = readServices({ ASSAY_S3_ENDPOINT: endpoint, ASSAY_S3_ACCESS_KEY: 'someone', ASSAY_S3_SECRET_KEY: 'some-secret' });
    const error = await createArtifactStore(services).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactStoreUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(endpoint);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('assay dev up');
    expect(message).toContain('ASSAY_S3_ENDPOINT');
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('wraps every store operation when the server goes away after the store was created', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = new MinioArtifactStore(connectS3(readServices({ ASSAY_S3_ENDPOINT: endpoint, ASSAY_S3_ACCESS_KEY: 'someone', ASSAY_S3_SECRET_KEY: 'some-secret' })));
    const ref = { uri: `s3://assay-artifacts/sha256/${'a'.repeat(64)}`, sha256: 'a'.repeat(64), bytes: 1 };
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['put', () => store.put(Buffer.from('x'), { run: 'r', step: 's', name: 'n' })],
      ['get', () => store.get(ref)],
      ['exists', () => store.exists(ref)],
      ['resolveAlias', () => store.resolveAlias('r', 's', 'n')],
      ['listRun', () => store.listRun('r')],
    ];
    for (const [operation, attempt] of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error, operation).toBeInstanceOf(ArtifactStoreUnavailableError);
      expect((error as Error).message, operation).toContain(endpoint);
    }
  });

  it('says which credential variable is missing when only the endpoint is set', async () => {
    const services = readServices({ ASSAY_S3_ENDPOINT: 'http://127.0.0.1:9', ASSAY_S3_ACCESS_KEY: 'someone' });
    await expect(createArtifactStore(services)).rejects.toThrow(/ASSAY_S3_ENDPOINT=http:\/\/127.0.0.1:9 is set but ASSAY_S3_SECRET_KEY is not\./);
  });
});
