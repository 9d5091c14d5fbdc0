// Where Assay finds its servers. Everything comes from the environment (or .assay/env written
// by `assay dev up`), never from code, so the same build points at a dev stack or at
// existing servers.
import { z } from 'zod';
import { issueLines } from './zod-issues';

export const ServicesSchema = z.object({
  ASSAY_TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port').default('127.0.0.1:7233'),
  ASSAY_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  ASSAY_TEMPORAL_UI: z.string().url().default('http://127.0.0.1:8233'),
  ASSAY_S3_ENDPOINT: z.string().url().optional(),
  ASSAY_S3_ACCESS_KEY: z.string().min(3).optional(),
  ASSAY_S3_SECRET_KEY: z.string().min(8).optional(),
  ASSAY_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid S3 bucket name').default('assay-artifacts'),
  ASSAY_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  /** zero-setup mode: a local folder for artifacts and an embedded PGlite database */
  ASSAY_HOME: z.string().default('.assay'),
});
export type Services = z.infer<typeof ServicesSchema>;

/** Reads service settings from an environment; a bad value names the variable and the fix. */
export function readServices(env: NodeJS.ProcessEnv = process.env): Services {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ServicesSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = ServicesSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = issueLines(parsed.error, { indent: '  ', label: (i, path) => `${path}=${JSON.stringify(picked[String(i.path[0])])}` });
    throw new Error(`Invalid Assay environment:\n${lines.join('\n')}\nFix the variable(s) above (or remove them to use the dev stack defaults from \`assay dev up\`).`);
  }
  return parsed.data;
}
