// Gives each test file a database of its own, so test files running in parallel never see
// each other's rows: a uniquely named database on the real server (dropped afterwards), or a
// PGlite folder under a temporary ASSAY_HOME.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { requireServices } from '../../support/services';

export interface FreshDatabase {
  /** settings to pass to openDatabase */
  services: { ASSAY_DATABASE_URL?: string; ASSAY_HOME: string };
  drop(): Promise<void>;
}

export type DriverKind = 'pglite' | 'postgres';

export async function freshDatabase(kind: DriverKind, label: string): Promise<FreshDatabase> {
  return kind === 'pglite' ? freshPgliteHome(label) : freshPostgresDatabase(label);
}

export function freshPgliteHome(label: string): FreshDatabase {
  const home = mkdtempSync(path.join(tmpdir(), `assay-db-${label}-`));
  return { services: { ASSAY_HOME: home }, drop: async () => rmSync(home, { recursive: true, force: true }) };
}

/** Fails (never skips) when ASSAY_DATABASE_URL is missing: a skipped server test proves nothing. */
export async function freshPostgresDatabase(label: string): Promise<FreshDatabase> {
  const serverUrl = requireServices('ASSAY_DATABASE_URL').ASSAY_DATABASE_URL!;
  const name = `assay_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const home = mkdtempSync(path.join(tmpdir(), `assay-db-${label}-`));
  return {
    services: { ASSAY_DATABASE_URL: url.toString(), ASSAY_HOME: home },
    drop: async () => {
      rmSync(home, { recursive: true, force: true });
      const cleaner = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await cleaner.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleaner.end({ timeout: 5 });
      }
    },
  };
}
