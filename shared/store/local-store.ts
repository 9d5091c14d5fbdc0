// The zero-setup artifact store: the same layout as the bucket, in a folder on disk
// (<ASSAY_HOME>/artifacts). Publication relies on rename(2) being atomic within one
// filesystem, which is why uploads are staged in <root>/tmp rather than the OS temp dir.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { StreamingArtifactStore, type RunArtifact } from './artifact-store';
import { DigestingTransform, verifyingStream } from './digest-stream';
import { ArtifactNotFoundError, InvalidArtifactRefError } from './errors';
import { aliasKey, contentKey, parseAliasKey, runPrefix, TMP_PREFIX } from './keys';
import { ArtifactRefSchema, buildManifest, parseManifest, toRef, type AliasTarget, type ArtifactManifest, type ArtifactRef } from './manifest';
import { issueList } from '../config/zod-issues';

export class LocalArtifactStore extends StreamingArtifactStore {
  readonly kind = 'local' as const;
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    super();
    this.root = path.resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  /** Key (always '/'-separated, already validated) to a path under the root. */
  private pathOf(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  private uriOf(sha256: string): string {
    return pathToFileURL(this.pathOf(contentKey(sha256))).href;
  }

  async put(body: Readable | Buffer, alias: AliasTarget): Promise<ArtifactRef> {
    // Validate the alias before consuming a single byte of the body.
    const publishAt = this.pathOf(aliasKey(alias.run, alias.step, alias.name));
    const tmpDir = this.pathOf(TMP_PREFIX);
    await mkdir(tmpDir, { recursive: true });
    const staged = path.join(tmpDir, randomUUID());
    try {
      const digester = new DigestingTransform();
      // Readable.from(buffer) would iterate bytes; an array makes it one chunk.
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, digester, createWriteStream(staged, { flags: 'wx' }));
      const { sha256, bytes } = digester.result();
      const written = (await stat(staged)).size;
      if (written !== bytes) throw new Error(`Staged artifact ${staged} has ${written} bytes on disk but ${bytes} were written; the disk may be full.`);

      // Replace rather than skip an existing object: if it was corrupted, a re-run heals it.
      const contentPath = this.pathOf(contentKey(sha256));
      await mkdir(path.dirname(contentPath), { recursive: true });
      await rename(staged, contentPath);

      const ref: ArtifactRef = { uri: this.uriOf(sha256), sha256, bytes };
      await this.publishAlias(publishAt, buildManifest(ref, alias));
      return ref;
    } finally {
      await rm(staged, { force: true });
    }
  }

  private async publishAlias(aliasPath: string, manifest: ArtifactManifest): Promise<void> {
    const staged = path.join(this.pathOf(TMP_PREFIX), `${randomUUID()}.json`);
    try {
      await writeFile(staged, JSON.stringify(manifest, null, 2), { flag: 'wx' });
      await mkdir(path.dirname(aliasPath), { recursive: true });
      await rename(staged, aliasPath);
    } finally {
      await rm(staged, { force: true });
    }
  }

  /** The on-disk path of a ref's content; throws for malformed refs or refs of another store. */
  private contentPathOf(ref: ArtifactRef): string {
    const parsed = ArtifactRefSchema.safeParse(ref);
    if (!parsed.success) {
      const issues = issueList(parsed.error);
      throw new InvalidArtifactRefError(String((ref as { uri?: unknown })?.uri), issues);
    }
    const expected = this.uriOf(ref.sha256);
    if (ref.uri !== expected) {
      throw new InvalidArtifactRefError(ref.uri, `this local store (${this.location}) keeps sha256 ${ref.sha256} at ${expected}; the ref was written by another store or names another digest`);
    }
    return this.pathOf(contentKey(ref.sha256));
  }

  async get(ref: ArtifactRef): Promise<Readable> {
    const contentPath = this.contentPathOf(ref);
    let handle;
    try {
      handle = await open(contentPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactNotFoundError(ref.uri);
      throw err;
    }
    return verifyingStream(handle.createReadStream(), ref);
  }

  async exists(ref: ArtifactRef): Promise<boolean> {
    let contentPath: string;
    try {
      contentPath = this.contentPathOf(ref);
    } catch (err) {
      // A well-formed ref of another store is simply not here; a malformed one is a bug.
      if (err instanceof InvalidArtifactRefError && ArtifactRefSchema.safeParse(ref).success) return false;
      throw err;
    }
    try {
      return (await stat(contentPath)).size === ref.bytes;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async resolveAlias(run: string, step: string, name: string): Promise<ArtifactManifest | undefined> {
    const aliasPath = this.pathOf(aliasKey(run, step, name));
    let text: string;
    try {
      text = await readFile(aliasPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parseManifest(text, aliasPath);
  }

  async listRun(run: string): Promise<RunArtifact[]> {
    const runDir = this.pathOf(runPrefix(run));
    const found: RunArtifact[] = [];
    for (const step of await readdirIfExists(runDir)) {
      for (const name of await readdirIfExists(path.join(runDir, step))) {
        // Anything that is not a well-formed alias (a stray file) is not ours to report.
        if (!parseAliasKey(`${runPrefix(run)}${step}/${name}`)) continue;
        const manifest = await this.resolveAlias(run, step, name);
        if (manifest) found.push({ step, name, ref: toRef(manifest), manifest });
      }
    }
    return found.sort((a, b) => a.step.localeCompare(b.step) || a.name.localeCompare(b.name));
  }

  async remove(ref: ArtifactRef): Promise<void> {
    await rm(this.contentPathOf(ref), { force: true });
  }

  async removeAlias(run: string, step: string, name: string): Promise<void> {
    await rm(this.pathOf(aliasKey(run, step, name)), { force: true });
  }
}

async function readdirIfExists(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}
