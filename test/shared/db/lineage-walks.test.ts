// The walks on a small hand-built pipeline (run a):
//   preprocess  attempt 1 (failed): events.csv, items.csv → nothing
//   preprocess  attempt 2:          events.csv, items.csv → train, valid, test, vocab, rejects
//   pretrain:   train, vocab                 → checkpoint, embeddings
//   value:      embeddings, train, valid     → values
//   finetune:   checkpoint, train, values    → model
//   infer:      model, test                  → recs
// plus run b, whose preprocess is a cache hit linked to the same splits and whose pretrain
// writes checkpoint-b, and an unrelated raw file that must never show up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downstream,
  finishStep,
  linkArtifacts,
  recordArtifact,
  startStepAttempt,
  upsertRun,
  upstream,
  type LineageGraph,
} from '../../../shared/db/lineage';
import { openDatabase, type Database, type OpenedDatabase } from '../../../shared/db/open-database';
import { freshDatabase, type DriverKind, type FreshDatabase } from './fresh-databases';

const RUN = 'assay/retail/2024-01-01/run-a';
const CACHED_RUN = 'assay/retail/2024-01-01/run-b';

let nextDigest = 1;
async function artifact(db: Database, name: string, kind: string, runId?: string): Promise<string> {
  const uri = `mem://${name}`;
  await recordArtifact(db, { uri, sha256: (nextDigest++).toString(16).padStart(64, '0'), bytes: 100, kind, runId, name });
  return uri;
}

async function step(db: Database, runId: string, name: string, inputs: string[], outputs: string[], options: { attempt?: number; failed?: boolean; cacheHit?: boolean } = {}) {
  const id = await startStepAttempt(db, { runId, stepName: name, attempt: options.attempt ?? 1, fingerprint: `fp-${name}` });
  await linkArtifacts(db, id, inputs, outputs);
  await finishStep(db, id, options.failed ? { status: 'failed', error: 'worker lost' } : { status: 'completed', cacheHit: options.cacheHit ?? false });
  return id;
}

async function buildPipeline(db: Database): Promise<Record<string, number>> {
  await upsertRun(db, { id: RUN, dataset: 'retail', partition: '2024-01-01', spec: {}, codeVersion: 'c1' });
  await upsertRun(db, { id: CACHED_RUN, dataset: 'retail', partition: '2024-01-01', spec: {}, codeVersion: 'c1' });
  const a = {
    events: await artifact(db, 'events.csv', 'raw'),
    items: await artifact(db, 'items.csv', 'raw'),
    unrelated: await artifact(db, 'other-shop.csv', 'raw'),
    train: await artifact(db, 'train', 'dataset', RUN),
    valid: await artifact(db, 'valid', 'dataset', RUN),
    test: await artifact(db, 'test', 'dataset', RUN),
    vocab: await artifact(db, 'vocab', 'vocab', RUN),
    rejects: await artifact(db, 'rejects', 'rejects', RUN),
    checkpoint: await artifact(db, 'checkpoint', 'checkpoint', RUN),
    embeddings: await artifact(db, 'embeddings', 'embeddings', RUN),
    values: await artifact(db, 'values', 'values', RUN),
    model: await artifact(db, 'model', 'model', RUN),
    recs: await artifact(db, 'recs', 'recommendations', RUN),
    checkpointB: await artifact(db, 'checkpoint-b', 'checkpoint', CACHED_RUN),
  };
  const raw = [a.events, a.items];
  const splits = [a.train, a.valid, a.test, a.vocab, a.rejects];
  return {
    preprocessFailed: await step(db, RUN, 'preprocess', raw, [], { attempt: 1, failed: true }),
    preprocess: await step(db, RUN, 'preprocess', raw, splits, { attempt: 2 }),
    pretrain: await step(db, RUN, 'pretrain', [a.train, a.vocab], [a.checkpoint, a.embeddings]),
    value: await step(db, RUN, 'value', [a.embeddings, a.train, a.valid], [a.values]),
    finetune: await step(db, RUN, 'finetune', [a.checkpoint, a.train, a.values], [a.model]),
    infer: await step(db, RUN, 'infer', [a.model, a.test], [a.recs]),
    preprocessCached: await step(db, CACHED_RUN, 'preprocess', raw, splits, { cacheHit: true }),
    pretrainB: await step(db, CACHED_RUN, 'pretrain', [a.train, a.vocab], [a.checkpointB]),
  };
}

const names = (g: LineageGraph) => g.artifacts.map((x) => x.name).sort();
const sourceNames = (g: LineageGraph) => g.sources.map((x) => x.name).sort();
const stepIds = (g: LineageGraph) => g.steps.map((s) => s.id).sort((x, y) => x - y);
const sorted = (ids: number[]) => [...ids].sort((x, y) => x - y);

describe.each<DriverKind>(['pglite', 'postgres'])('lineage walks on %s', (kind) => {
  let fresh: FreshDatabase;
  let opened: OpenedDatabase;
  let db: Database;
  let s: Record<string, number>;
  beforeAll(async () => {
    fresh = await freshDatabase(kind, `walks_${kind}`);
    opened = await openDatabase(fresh.services);
    db = opened.db;
    s = await buildPipeline(db);
  });
  afterAll(async () => {
    await opened?.close();
    await fresh?.drop();
  });

  it('walks upstream from the model back to the raw files, through every producing step and nothing else', async () => {
    const g = await upstream(db, { uri: 'mem://model' });
    // both preprocess attempts that wrote the splits (run-a's and run-b's cache hit); not the failed one
    expect(stepIds(g)).toEqual(sorted([s.preprocess!, s.pretrain!, s.value!, s.finetune!, s.preprocessCached!]));
    expect(names(g)).toEqual(['checkpoint', 'embeddings', 'events.csv', 'items.csv', 'model', 'train', 'valid', 'values', 'vocab']);
    expect(sourceNames(g)).toEqual(['events.csv', 'items.csv']);
    // every edge joins a step and an artifact of the graph, and the siblings never used are absent
    const artifactIds = new Set(g.artifacts.map((x) => x.id));
    const ids = new Set(g.steps.map((x) => x.id));
    expect(g.edges.every((e) => artifactIds.has(e.artifactId) && ids.has(e.stepId))).toBe(true);
    expect(g.edges).toContainEqual({ stepId: s.finetune, artifactId: g.artifacts.find((x) => x.name === 'values')!.id, direction: 'input' });
  });

  it('walks upstream from a whole run: its own steps and outputs plus everything they came from', async () => {
    const g = await upstream(db, { runId: RUN });
    expect(g.steps.filter((x) => x.runId === RUN).map((x) => x.id).sort((x, y) => x - y)).toEqual(
      sorted([s.preprocessFailed!, s.preprocess!, s.pretrain!, s.value!, s.finetune!, s.infer!]),
    );
    expect(names(g)).toEqual(['checkpoint', 'embeddings', 'events.csv', 'items.csv', 'model', 'recs', 'rejects', 'test', 'train', 'valid', 'values', 'vocab']);
    expect(sourceNames(g)).toEqual(['events.csv', 'items.csv']);
  });

  it('stops at a raw input: its upstream is just itself', async () => {
    const g = await upstream(db, { uri: 'mem://events.csv' });
    expect(g.steps).toEqual([]);
    expect(names(g)).toEqual(['events.csv']);
    expect(sourceNames(g)).toEqual(['events.csv']);
  });

  it('walks downstream from a raw file to every artifact and model derived from it, in both runs', async () => {
    const g = await downstream(db, 'mem://items.csv');
    expect(names(g)).toEqual(['checkpoint', 'checkpoint-b', 'embeddings', 'items.csv', 'model', 'recs', 'rejects', 'test', 'train', 'valid', 'values', 'vocab']);
    expect(stepIds(g)).toEqual(sorted(Object.values(s)));
    expect(g.steps.find((x) => x.id === s.preprocessFailed)?.status).toBe('failed');
  });

  it('walks downstream from the validation split only through the steps that used it', async () => {
    const g = await downstream(db, 'mem://valid');
    expect(stepIds(g)).toEqual(sorted([s.value!, s.finetune!, s.infer!]));
    expect(names(g)).toEqual(['model', 'recs', 'valid', 'values']);
    expect(sourceNames(g)).toEqual(['valid']);
  });

  it('names the uri it cannot find', async () => {
    await expect(downstream(db, 'mem://nope')).rejects.toThrow(/no artifact recorded with uri mem:\/\/nope/);
    await expect(upstream(db, { uri: 'mem://nope' })).rejects.toThrow(/no artifact recorded with uri mem:\/\/nope/);
  });
});
