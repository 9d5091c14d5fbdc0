import net from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devUp, devStatus } from '../../infra/dev/stack';
import { envFilePath, parseEnvFile } from '../../infra/dev/env-file';
import { repoRoot } from '../../infra/dev/paths';

function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('assay dev stack', () => {
  it('is up and healthy for the test run, with the env file at mode 600', async () => {
    const status = await devStatus();
    expect(status.services.map((s) => [s.name, s.healthy])).toEqual([['temporal', true], ['minio', true], ['postgres', true]]);
    expect(statSync(envFilePath()).mode & 0o777).toBe(0o600);
    const env = parseEnvFile(readFileSync(envFilePath(), 'utf8'), envFilePath());
    expect(env.ASSAY_DATABASE_URL).toMatch(/^postgres:\/\/assay:.+@127\.0\.0\.1:\d+\/assay$/);
    const ui = await fetch(status.temporalUi);
    expect(ui.status).toBe(200);
  });

  it('re-running up reuses the running servers instead of starting new ones', async () => {
    const result = await devUp();
    expect(result.started).toEqual([]);
  });

  it('an occupied port is reported with the port, the server and the variable that moves it', async () => {
    const held = await holdPort();
    const home = mkdtempSync(path.join(tmpdir(), 'assay-port-'));
    const env = {
      ...process.env,
      ASSAY_HOME: path.relative(repoRoot, home),
      ASSAY_DEV_TEMPORAL_PORT: String(held.port),
      ASSAY_DEV_TEMPORAL_UI_PORT: String(held.port),
      ASSAY_DEV_MINIO_PORT: String(held.port),
      ASSAY_DEV_MINIO_CONSOLE_PORT: String(held.port),
      ASSAY_DEV_POSTGRES_PORT: String(held.port),
    };
    try {
      const error = await devUp({ env }).then(() => undefined, (e: Error) => e);
      expect(error?.message).toContain(`Port ${held.port} on 127.0.0.1`);
      expect(error?.message).toContain('ASSAY_DEV_TEMPORAL_UI_PORT');
      expect(error?.message).toContain('ASSAY_DEV_MINIO_PORT');
      expect(error?.message).toContain('ASSAY_DEV_POSTGRES_PORT');
      const status = await devStatus(env);
      expect(status.services.every((s) => !s.running)).toBe(true);
    } finally {
      await held.close();
    }
  });

  it('a malformed port variable names the variable and the allowed range', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'assay-badport-'));
    const env = { ...process.env, ASSAY_HOME: home, ASSAY_DEV_MINIO_PORT: '90000' };
    await expect(devUp({ env })).rejects.toThrow('ASSAY_DEV_MINIO_PORT="90000" is not a port number (1-65535)');
  });
});

describe('dev env file', () => {
  it('rejects a malformed line with its file and line number', () => {
    expect(() => parseEnvFile('A=1\nnot a setting\n', '/x/env')).toThrow('/x/env:2: expected KEY=VALUE');
  });
  it('reads quoted values back unchanged', () => {
    expect(parseEnvFile("ASSAY_S3_SECRET_KEY='a=b+c'\n", 'env')).toEqual({ ASSAY_S3_SECRET_KEY: 'a=b+c' });
  });
});
