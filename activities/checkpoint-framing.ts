// Checkpoint files are stored framed: a header line naming the run, group, epoch and file,
// then the file's bytes. The store is content-addressed and shared by every run, so without
// the frame two runs of the same seed and config (identical weights), or a step's output and
// its last checkpoint, would share one content object, and deleting an old checkpoint
// (checkpoint-store.ts retention) could take bytes away from them. Framed, the object is that
// checkpoint's alone.
import { writeFile } from 'node:fs/promises';
import type { ArtifactStore } from '../shared/store';
import type { ArtifactRef } from '../shared/store/manifest';

const FRAME_MAGIC = 'assay-checkpoint-file/1 ';

export interface FrameOwner {
  run: string;
  group: string;
}

export function frameCheckpointFile(place: FrameOwner, epoch: number, file: string, bytes: Buffer): Buffer {
  const header = `${FRAME_MAGIC}${JSON.stringify({ run: place.run, group: place.group, epoch, file })}\n`;
  return Buffer.concat([Buffer.from(header, 'utf8'), bytes]);
}

/** The file's own bytes from a framed object; throws on anything that is not one. */
export function unframeCheckpointFile(framed: Buffer): Buffer {
  const end = framed.indexOf(0x0a);
  if (end < 0 || framed.subarray(0, FRAME_MAGIC.length).toString('utf8') !== FRAME_MAGIC) {
    throw new Error(`not a framed checkpoint file (expected a '${FRAME_MAGIC.trim()}' header)`);
  }
  return framed.subarray(end + 1);
}

/** Writes a checkpoint file from its stored object, framed or (stored before framing) plain. */
export async function restoreCheckpointFile(store: ArtifactStore, ref: ArtifactRef, framed: boolean, to: string): Promise<void> {
  if (!framed) return store.getToFile(ref, to);
  await writeFile(to, unframeCheckpointFile(await store.getBuffer(ref)));
}
