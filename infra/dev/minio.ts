// MinIO for artifacts: credentials generated once per dev stack, the bucket created with
// versioning on so an overwritten alias keeps its history.
import { Client } from 'minio';
import path from 'node:path';
import { toolPath } from './paths';
import { spawnDetached, waitUntil, isOurProcess, type StartedProcess } from './processes';

export interface MinioSettings { port: number; consolePort: number; accessKey: string; secretKey: string; bucket: string }

export function startMinio(state: string, s: MinioSettings): StartedProcess {
  return spawnDetached(toolPath('minio'), [
    'server', path.join(state, 'minio', 'data'),
    '--address', `127.0.0.1:${s.port}`,
    '--console-address', `127.0.0.1:${s.consolePort}`,
    '--quiet',
  ], {
    log: path.join(state, 'logs', 'minio.log'),
    env: { MINIO_ROOT_USER: s.accessKey, MINIO_ROOT_PASSWORD: s.secretKey, MINIO_BROWSER: 'on' },
  });
}

export async function minioHealthy(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/minio/health/ready`, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}

export async function waitForMinio(proc: StartedProcess, s: MinioSettings, timeoutMs: number): Promise<void> {
  await waitUntil(() => minioHealthy(s.port), 'MinIO', timeoutMs, proc.log, () => isOurProcess(proc));
  const client = new Client({ endPoint: '127.0.0.1', port: s.port, useSSL: false, accessKey: s.accessKey, secretKey: s.secretKey });
  if (!(await client.bucketExists(s.bucket))) await client.makeBucket(s.bucket);
  await client.setBucketVersioning(s.bucket, { Status: 'Enabled' });
}
