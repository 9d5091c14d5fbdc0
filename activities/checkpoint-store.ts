// Storing a training step's checkpoints, and keeping only the newest few. Each epoch's files
// become artifacts `<group>-checkpoint-<epoch>-<file>` and an index ({epoch, files}) that the
// alias `<group>-checkpoint-latest.json` points at (activities/checkpoints.ts resumes from it).
//
// Retention deletes older epochs' aliases and content as training goes on; the files are
// framed (checkpoint-framing.ts), so the content it deletes is that checkpoint's alone.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../shared/store';
import type { ArtifactRef } from '../shared/store/manifest';
import { frameCheckpointFile } from './checkpoint-framing';
import { latestAliasName } from './checkpoints';

export interface CheckpointPlace {
  /** the store's run alias (`<workflowId>+<runId>`) */
  run: string;
  step: string;
  /** `pretrain`, `valued-finetune`, … */
  group: string;
}

function fileAliasName(group: string, epoch: number, file: string): string {
  return `${group}-checkpoint-${epoch}-${file}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The epoch and file of a checkpoint file alias of `group`, or undefined for any other name. */
export function parseFileAliasName(group: string, name: string): { epoch: number; file: string } | undefined {
  const m = new RegExp(`^${escapeRegex(group)}-checkpoint-(\\d+)-(.+)$`).exec(name);
  return m ? { epoch: Number(m[1]), file: m[2]! } : undefined;
}

export interface StoredCheckpoint {
  epoch: number;
  /** the index artifact the latest alias now points at */
  index: ArtifactRef;
  files: Record<string, ArtifactRef>;
}

/**
 * Stores every file of `dir` as epoch `epoch`'s checkpoint and moves the latest alias to it, in
 * the run's own place and under each of `alsoUnder` (other alias runs, e.g. the fingerprint's).
 */
export async function storeCheckpoint(store: ArtifactStore, place: CheckpointPlace, epoch: number, dir: string, alsoUnder: readonly string[] = []): Promise<StoredCheckpoint> {
  const files: Record<string, ArtifactRef> = {};
  for (const file of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) {
    const framed = frameCheckpointFile(place, epoch, file, await readFile(path.join(dir, file)));
    files[file] = await store.put(framed, { run: place.run, step: place.step, name: fileAliasName(place.group, epoch, file), meta: { framedCheckpoint: true } });
  }
  const body = Buffer.from(JSON.stringify({ epoch, files, framed: true }));
  const index = await store.put(body, { run: place.run, step: place.step, name: latestAliasName(place.group), contentType: 'application/json' });
  for (const run of alsoUnder) await store.put(body, { run, step: place.step, name: latestAliasName(place.group), contentType: 'application/json' });
  return { epoch, index, files };
}

interface EpochObjects {
  /** alias name → its content, and whether the content is framed (this checkpoint's alone) */
  files: Map<string, { ref: ArtifactRef; framed: boolean }>;
  /** the epoch's index object, when this attempt stored it */
  index?: ArtifactRef;
}

/**
 * Keeps the newest `keep` epochs of one group's checkpoints and deletes the rest, across
 * attempts: the first call learns what earlier attempts of this run stored.
 */
export class CheckpointRetention {
  private epochs: Map<number, EpochObjects> | undefined;

  constructor(private readonly store: ArtifactStore, private readonly place: CheckpointPlace, private readonly keep: number) {
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`checkpoints.keep must be a positive integer, got ${keep}`);
  }

  private async known(): Promise<Map<number, EpochObjects>> {
    if (this.epochs) return this.epochs;
    const epochs = new Map<number, EpochObjects>();
    for (const a of await this.store.listRun(this.place.run)) {
      const parsed = a.step === this.place.step ? parseFileAliasName(this.place.group, a.name) : undefined;
      if (!parsed) continue;
      const entry = epochs.get(parsed.epoch) ?? { files: new Map() };
      entry.files.set(a.name, { ref: a.ref, framed: a.manifest.meta.framedCheckpoint === true });
      epochs.set(parsed.epoch, entry);
    }
    this.epochs = epochs;
    return epochs;
  }

  /** Records a newly stored epoch, then deletes every epoch older than the newest `keep`. */
  async stored({ epoch, index, files }: StoredCheckpoint): Promise<number[]> {
    const epochs = await this.known();
    epochs.set(epoch, {
      index,
      files: new Map(Object.entries(files).map(([file, ref]) => [fileAliasName(this.place.group, epoch, file), { ref, framed: true }])),
    });
    const dropped = [...epochs.keys()].sort((a, b) => b - a).slice(this.keep);
    for (const old of dropped) {
      const entry = epochs.get(old)!;
      for (const [name, { ref, framed }] of entry.files) {
        // the alias first: an alias never points at deleted content
        await this.store.removeAlias(this.place.run, this.place.step, name);
        if (framed) await this.store.remove(ref);
      }
      if (entry.index) await this.store.remove(entry.index);
      epochs.delete(old);
    }
    return dropped.sort((a, b) => a - b);
  }
}
