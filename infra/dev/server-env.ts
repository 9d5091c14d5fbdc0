// The environment a dev-stack server starts with: what a process needs to run (PATH, locale,
// a home and a temp folder) plus the settings given for that server, and nothing else of the
// CLI's environment — it holds the application's secrets (ASSAY_S3_SECRET_KEY,
// ASSAY_DATABASE_URL, cloud tokens), which no server needs and any reader of /proc could see.
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

export function serverEnvironment(parent: NodeJS.ProcessEnv, own: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const name of INHERITED) if (parent[name] !== undefined) base[name] = parent[name];
  return { ...base, ...own };
}
