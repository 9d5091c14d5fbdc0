// Moving a step's files between the artifact store and local folders: inputs downloaded into
// one folder per group, outputs uploaded under the run's alias, and raw source files digested
// before the step and stored after it, named by role.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactRef } from '../shared/store/manifest';
import { digestFile } from '../shared/store/digest-stream';
import { segmentFor } from '../shared/store/keys';
import { artifactStore } from './runtime';

/** Outputs are named `<group>=<file>`; a group becomes one input folder of later steps. */
export const GROUP_SEPARATOR = '=';

/** The store's run segment for a lineage run id (`<workflowId>/<runId>` has slashes). */
export function aliasRun(runId: string): string {
  return runId.replaceAll('/', '+');
}

/** Downloads each input into `<root>/<group>/<file>`; returns the folder of each group. */
export async function downloadInputs(inputs: Record<string, ArtifactRef>, root: string): Promise<Record<string, string>> {
  const store = await artifactStore();
  const folders: Record<string, string> = {};
  await Promise.all(Object.entries(inputs).map(async ([name, ref]) => {
    const [group, file] = name.includes(GROUP_SEPARATOR) ? name.split(GROUP_SEPARATOR, 2) as [string, string] : ['inputs', name];
    const dir = path.join(root, group);
    await mkdir(dir, { recursive: true });
    folders[group] = dir;
    await store.getToFile(ref, path.join(dir, file));
  }));
  return folders;
}

/** Uploads every file of `dir`; returns the refs by file name. */
export async function uploadFolder(dir: string, alias: { run: string; step: string; prefix: string }): Promise<Record<string, ArtifactRef>> {
  const store = await artifactStore();
  const out: Record<string, ArtifactRef> = {};
  for (const file of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) {
    out[file] = await store.putFile(path.join(dir, file), { run: alias.run, step: alias.step, name: `${alias.prefix}${file}` });
  }
  return out;
}

export type RawDigests = Record<string, { sha256: string; bytes: number }>;

/**
 * Raw source files become artifacts named `raw=<role>` (events, items, …), never by file name,
 * so two inputs called data.csv in different folders are two artifacts; content addressing
 * dedupes repeats. They are digested first (the fingerprint needs the digests) and stored only
 * once the step has read them without an input error, so a file the spec should not have
 * named never reaches the store.
 */
export async function digestSourceFiles(files: Record<string, string>): Promise<RawDigests> {
  const digests: RawDigests = {};
  for (const [role, file] of Object.entries(files)) digests[`raw${GROUP_SEPARATOR}${role}`] = await digestFile(file);
  return digests;
}

export async function storeSourceFiles(files: Record<string, string>, digests: RawDigests, run: string): Promise<Record<string, ArtifactRef>> {
  const store = await artifactStore();
  const refs: Record<string, ArtifactRef> = {};
  for (const [role, file] of Object.entries(files)) {
    const name = `raw${GROUP_SEPARATOR}${role}`;
    const ref = await store.putFile(file, { run, step: 'raw', name: segmentFor(role) });
    // the step read (and the fingerprint covers) the bytes digested before it ran
    if (ref.sha256 !== digests[name]?.sha256) throw new Error(`${file} changed while the step ran (sha256 ${digests[name]?.sha256} before, ${ref.sha256} after); run again`);
    refs[name] = ref;
  }
  return refs;
}
