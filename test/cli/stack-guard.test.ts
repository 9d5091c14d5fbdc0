import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStackOwnership } from '../../cli/stack-guard';

let server: net.Server;
let address: string;

describe('assay run with no settings and a stack it did not start', () => {
  beforeAll(async () => {
    // stands in for another checkout's Temporal: anything that accepts connections
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses, naming the address and the three ways on', async () => {
    const check = await checkStackOwnership({ ASSAY_TEMPORAL_ADDRESS: address }, false, false);
    expect(check.refusal).toContain(`a Temporal server answers at ${address}`);
    expect(check.refusal).toContain('assay dev up');
    expect(check.refusal).toContain('ASSAY_TEMPORAL_ADDRESS=host:port');
    expect(check.refusal).toContain('--yes');
  });

  it('with --yes goes on with a loud warning', async () => {
    const check = await checkStackOwnership({ ASSAY_TEMPORAL_ADDRESS: address }, false, true);
    expect(check.refusal).toBeUndefined();
    expect(check.warning).toMatch(/^!!! a Temporal server answers at 127\.0\.0\.1:\d+/);
  });

  it('says nothing when the address was configured, or when nothing answers there', async () => {
    expect(await checkStackOwnership({ ASSAY_TEMPORAL_ADDRESS: address }, true, false)).toEqual({});
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await checkStackOwnership({ ASSAY_TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, false, false)).toEqual({});
  });
});
