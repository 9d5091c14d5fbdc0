import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCanonical } from '../../../shared/data/adapters/canonical';
import { readDataset, readRejects, writeDataset } from '../../../shared/data/artifacts/arrow-dataset';
import { preprocess } from '../../../shared/data/preprocess/preprocess';
import { LimitsSchema } from '../../../shared/data/source-config';
import { generateSynthetic, writeSynthetic, type SyntheticConfigInput } from '../../../shared/data/synthetic';
import { EVENT_TYPES } from '../../../shared/data/types';
import { NOW, tempDir } from './helpers';

const config: SyntheticConfigInput = {
  seed: 42,
  users: 60,
  items: 120,
  categories: 6,
  sessionsPerUser: 4,
  queries: 24,
  noise: { flippedLabels: 0.05, botSessions: 3, duplicateEvents: 0.02 },
};

async function generateFiles(seed = 42) {
  const dir = tempDir();
  const data = generateSynthetic({ ...config, seed });
  return { dir, data, files: await writeSynthetic(dir, data) };
}

describe('synthetic generator', () => {
  it('same seed → same bytes; another seed → different bytes', async () => {
    const a = await generateFiles(42);
    const b = await generateFiles(42);
    const c = await generateFiles(43);
    expect(a.files.sha256).toEqual(b.files.sha256);
    expect(a.files.sha256['events.jsonl']).not.toBe(c.files.sha256['events.jsonl']);
  });

  it('writes files the readers accept, and its ground truth matches the rows', async () => {
    const { data, files } = await generateFiles();
    const truth = JSON.parse(readFileSync(files.truth, 'utf8'));
    const lines = readFileSync(files.events, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(data.events.length);

    // duplicates: each planted copy is byte-identical to the line it copies
    expect(truth.duplicateLines.length).toBe(Math.round((data.events.length - truth.duplicateLines.length) * 0.02));
    truth.duplicateLines.forEach((line: number, k: number) => expect(lines[line - 1]).toEqual(lines[truth.duplicateOfLines[k] - 1]));
    // bots: their lines belong to the bot users and are clicks one second apart
    const botUsers = new Set(truth.botUsers);
    expect(truth.botLines.length).toBeGreaterThanOrEqual(3 * 20);
    for (const line of truth.botLines) expect(botUsers.has(lines[line - 1].user) && lines[line - 1].type === 'click').toBe(true);
    expect(lines.filter((e) => botUsers.has(e.user)).length).toBe(truth.botLines.length);
    // flips: the observed type is the flipped version of the recorded true type
    expect(truth.flippedLines.length).toBeGreaterThan(0);
    truth.flippedLines.forEach((line: number, k: number) => {
      const trueType = EVENT_TYPES.indexOf(truth.flippedTrueTypes[k]);
      expect(lines[line - 1].type).toBe(trueType >= 2 ? 'view' : 'purchase');
    });
    // items have category-coherent text
    const firstItem = JSON.parse(readFileSync(files.items, 'utf8').split('\n')[0]!);
    expect(firstItem.categoryPath[0]).toBe(data.categoryNames[0]);

    // the reader + preprocess find exactly the planted duplicates
    const raw = await loadCanonical({ name: 'synthetic', format: 'jsonl', paths: { events: files.events, items: files.items }, limits: LimitsSchema.parse({}), nowSeconds: NOW });
    expect(raw.rejects).toEqual([]);
    const { rejects, dataset } = await preprocess(raw);
    const dupLines = rejects.filter((r) => r.reason === 'duplicate-event').map((r) => r.line);
    expect(dupLines.sort((x, y) => x - y)).toEqual([...truth.duplicateLines].sort((x: number, y: number) => x - y));
    expect(dataset.queries.length).toBeGreaterThan(0);
  });
});

describe('Arrow dataset artifacts', () => {
  it('round-trips a dataset exactly, writes byte-identical files for the same input, and lists digests', async () => {
    const { files } = await generateFiles();
    const raw = await loadCanonical({ name: 'synthetic', format: 'jsonl', paths: { events: files.events, items: files.items }, limits: LimitsSchema.parse({}), nowSeconds: NOW });
    const { dataset, rejects, summary } = await preprocess(raw);
    const dirA = tempDir();
    const dirB = tempDir();
    const manifest = await writeDataset(dirA, dataset, { rejects, info: { summary } });
    const again = await writeDataset(dirB, (await preprocess(raw)).dataset, { rejects, info: { summary } });
    expect(again).toEqual(manifest);
    for (const entry of Object.values(manifest.files)) {
      expect(readFileSync(join(dirA, entry.file))).toEqual(readFileSync(join(dirB, entry.file)));
    }
    expect(manifest.files.train!.rows).toBe(dataset.train.length);
    expect(manifest.files.train!.schema.map((f) => f.name)).toEqual(['user', 'item', 'ts', 'type', 'session', 'relevance', 'query', 'position']);

    const back = await readDataset(dirA);
    expect(back.name).toBe(dataset.name);
    expect(back.userIds).toEqual(dataset.userIds);
    expect(back.itemIds).toEqual(dataset.itemIds);
    expect(back.itemText).toEqual(dataset.itemText);
    expect(back.queries).toEqual(dataset.queries);
    for (const part of ['train', 'valid', 'test'] as const) {
      for (const col of ['user', 'item', 'ts', 'type', 'session', 'relevance', 'query', 'position'] as const) {
        expect(back[part][col]).toEqual(dataset[part][col]);
      }
    }
    expect(back.tokens!.offsets).toEqual(dataset.tokens!.offsets);
    expect(back.tokens!.ids).toEqual(dataset.tokens!.ids);
    expect(back.tokens!.vocab).toEqual(dataset.tokens!.vocab);
    expect(await readRejects(dirA)).toEqual(rejects);
  });

  it('refuses a file whose bytes no longer match the manifest digest', async () => {
    const { files } = await generateFiles();
    const raw = await loadCanonical({ name: 's', format: 'jsonl', paths: { events: files.events }, limits: LimitsSchema.parse({}), nowSeconds: NOW });
    const dir = tempDir();
    await writeDataset(dir, (await preprocess(raw)).dataset);
    const path = join(dir, 'users.arrow');
    const bytes = readFileSync(path);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    writeFileSync(path, bytes);
    await expect(readDataset(dir)).rejects.toThrow(/users\.arrow: sha256 .* does not match the manifest/);
  });
});
