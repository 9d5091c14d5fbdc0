// spec.itemText through the real steps: the pretrain step encodes each item's text with the
// installed all-MiniLM-L6-v2 once per text version (a rerun reads the cache), fine-tuning and
// inference run on the model that carries it, and without the model the step fails at once,
// naming the command that installs it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../infra/dev/paths';
import { runBare } from '../../../shared/pipeline/bare';
import { loadSpecFile } from '../../../shared/pipeline/spec';
import { ItemTextConfigSchema } from '../../../shared/ml/config';
import { itemTextEmbeddings, loadItemTextEncoder } from '../../../shared/text/item-text';

const root = mkdtempSync(path.join(tmpdir(), 'assay-item-text-step-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const saved = { ASSAY_TEXT_EMBEDDINGS_DIR: process.env.ASSAY_TEXT_EMBEDDINGS_DIR, ASSAY_CACHE: process.env.ASSAY_CACHE };
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const tinySpec = (overrides: object = {}) =>
  loadSpecFile(path.join(repoRoot, 'specs', 'tiny.json'), { itemText: { enabled: true }, valuation: { method: 'random', keep: 0.8 }, control: false, ...overrides } as never);

describe('item text (spec.itemText)', () => {
  it('encodes each distinct text once per version: a second call reads every row from the cache, a changed title alone is encoded', async () => {
    const cache = path.join(root, 'direct');
    const encoder = await loadItemTextEncoder(ItemTextConfigSchema.parse({ enabled: true }));
    const titles = ['Toy Story (1995) Animation Children Comedy', 'GoldenEye (1995) Action Adventure Thriller', 'Four Rooms (1995) Thriller', 'Toy Story (1995) Animation Children Comedy'];
    const first = await itemTextEmbeddings(encoder, titles, cache);
    expect([first.encoded, first.cached]).toEqual([3, 0]);
    expect(readdirSync(cache).filter((f) => f.endsWith('.txe'))).toHaveLength(1);
    const second = await itemTextEmbeddings(encoder, titles, cache);
    expect([second.encoded, second.cached]).toEqual([0, 3]);
    expect(Buffer.from(second.embeddings.data.buffer).equals(Buffer.from(first.embeddings.data.buffer))).toBe(true);
    const edited = await itemTextEmbeddings(encoder, [titles[0]!, 'GoldenEye (1995) Action Thriller', titles[2]!], cache);
    expect([edited.encoded, edited.cached]).toEqual([1, 2]);
    expect(edited.table.embeddings.rows).toBe(3);
    // a new version is a new row: its embedding differs from the old title's
    expect(Array.from(edited.embeddings.data.subarray(384, 768))).not.toEqual(Array.from(first.embeddings.data.subarray(384, 768)));
  });

  it('trains and infers end to end with item text on; a second run encodes nothing', async () => {
    process.env.ASSAY_TEXT_EMBEDDINGS_DIR = path.join(root, 'pipeline');
    const first = await runBare(tinySpec());
    expect(first.outcomes.map((o) => (o.variant ? `${o.step}:${o.variant}` : o.step))).toEqual(['preprocess', 'pretrain', 'value', 'finetune:valued', 'infer', 'report']);
    const pretrained = first.outcomes.find((o) => o.step === 'pretrain')!.outcome.metrics;
    expect(pretrained.itemTextsEncoded).toBeGreaterThan(100);
    expect(pretrained.itemTextsCached).toBe(0);
    const infer = first.outcomes.find((o) => o.step === 'infer')!.outcome.labelledMetrics!;
    expect(Number.isFinite(infer.valued!['ndcg@10'])).toBe(true);
    // test targets whose item no training row reached are scored apart, through their text
    expect(infer['cold-items:valued']!.targets).toBeGreaterThan(0);
    expect(infer['cold-items:valued']!.targets).toBe(infer['cold-items:most-popular']!.targets);
    expect(Number.isFinite(infer['cold-items:valued']!['ndcg@10'])).toBe(true);

    const second = await runBare(tinySpec());
    const again = second.outcomes.find((o) => o.step === 'pretrain')!.outcome.metrics;
    expect(again.itemTextsEncoded).toBe(0);
    expect(again.itemTextsCached).toBe(pretrained.itemTextsEncoded);
  });

  it('fails the pretrain step without the model, naming the install command; off, the same spec runs without it', async () => {
    process.env.ASSAY_CACHE = path.join(root, 'no-model');
    process.env.ASSAY_TEXT_EMBEDDINGS_DIR = path.join(root, 'no-model-cache');
    await expect(runBare(tinySpec())).rejects.toThrow(/itemText\.enabled: The pretrained text encoder .* is not installed: .*Install it from the Assay checkout with: ASSAY_CACHE=\S+ bash infra\/setup\.sh --text-model/);
    const off = await runBare(tinySpec({ itemText: { enabled: false } }));
    expect(off.outcomes.find((o) => o.step === 'pretrain')!.outcome.metrics.itemTextsEncoded).toBeUndefined();
    expect(Object.keys(off.outcomes.find((o) => o.step === 'infer')!.outcome.labelledMetrics!).filter((label) => label.startsWith('cold-items:'))).toEqual([]);
  });
});
