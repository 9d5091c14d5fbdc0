// MinIO for artifacts: credentials generated once per dev stack, the bucket created with
// versioning on so an overwritten alias keeps its history.
import { readServices } from '../../shared/config/services';
import { ensureBucket } from '../../shared/store';
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
  await ensureBucket(
    readServices({ ASSAY_S3_ENDPOINT: `http://127.0.0.1:${s.port}`, ASSAY_S3_ACCESS_KEY: s.accessKey, ASSAY_S3_SECRET_KEY: s.secretKey, ASSAY_S3_BUCKET: s.bucket }),
    { versioning: true },
  );
}
