// The dev stack's generated settings (addresses, credentials) live in <state>/env, mode 600,
// as KEY=VALUE lines that a shell can source too. Values already in the environment win, so
// a user can point Assay at existing servers.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from './paths';

export function envFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'env');
}

export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}. Fix the line or delete the file and run \`assay dev up\` again.`);
    out[match[1]!] = match[2]!.replace(/^'(.*)'$/, '$1');
  });
  return out;
}

export function readEnvFile(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const file = envFilePath(env);
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8'), file) : {};
}

export function writeEnvFile(values: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  const file = envFilePath(env);
  const body = Object.entries(values).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n';
  writeFileSync(file, body, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Copies the dev stack's settings into `target` without overriding what is already set. */
export function loadDevEnv(target: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const values = readEnvFile(target);
  for (const [key, value] of Object.entries(values)) {
    if (target[key] === undefined || target[key] === '') target[key] = value;
  }
  return values;
}
