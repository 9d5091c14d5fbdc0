import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataSourceConfig } from '../../../shared/data/source-config';
import { encodeWithLocalTokenizer, tokenizeItems, trainWordVocabulary } from '../../../shared/data/vocabulary';
import { tempDir } from './helpers';

describe('word vocabulary', () => {
  const texts = ['Red wool Sweater', 'red cotton shirt', 'Blue wool scarf', 'red—wool socks!'];

  it('orders by count then code point, applies min count and max size, and is deterministic', () => {
    const vocab = trainWordVocabulary(texts, { minCount: 2, maxVocab: 100 });
    expect(vocab).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'red', 'wool']);
    expect(trainWordVocabulary(texts, { minCount: 1, maxVocab: 7 })).toEqual(vocab);
    expect(trainWordVocabulary([...texts].reverse(), { minCount: 2, maxVocab: 100 })).toEqual(vocab);
  });

  it('encodes items as CSR token ids with [UNK] for rare words and a per-item cap', async () => {
    const tokens = await tokenizeItems(texts, { kind: 'word', minCount: 2, maxVocab: 100, maxTokensPerItem: 2 });
    expect(Array.from(tokens.offsets)).toEqual([0, 2, 4, 6, 8]);
    expect(Array.from(tokens.ids)).toEqual([5, 6, 5, 1, 1, 6, 5, 6]);
    expect(tokens.special.mask).toBe(4);
  });
});

describe('local transformers.js tokenizer', () => {
  it('loads tokenizer.json from a local folder with remote models disabled', async () => {
    const dir = join(tempDir(), 'tiny-wordlevel');
    mkdirSync(dir);
    const vocab = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4, red: 5, wool: 6 };
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: Object.entries(vocab).slice(0, 5).map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
        normalizer: { type: 'Lowercase' },
        pre_tokenizer: { type: 'Whitespace' },
        post_processor: null,
        decoder: null,
        model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
      }),
    );
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizer', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]', sep_token: '[SEP]' }));
    const tokens = await encodeWithLocalTokenizer(['Red wool', 'red silk'], dir, 8);
    expect(Array.from(tokens.ids)).toEqual([5, 6, 5, 1]);
    expect(Array.from(tokens.offsets)).toEqual([0, 2, 4]);
    expect(tokens.special).toMatchObject({ pad: 0, unk: 1, mask: 4 });
  });

  it('a missing local folder fails with the path instead of reaching for a hub', async () => {
    await expect(encodeWithLocalTokenizer(['x'], join(tempDir(), 'absent'), 8)).rejects.toThrow(/cannot load a local tokenizer.*remote models are disabled/);
  });
});

describe('data source config', () => {
  it('fills defaults: time split 0.1/0.1, 30-minute sessions, word tokenizer, 1 MiB field limit', () => {
    const cfg = parseDataSourceConfig({ format: 'ml-100k', path: '../shared/data/ml-100k' });
    expect(cfg.preprocess.split).toEqual({ mode: 'time', valid: 0.1, test: 0.1 });
    expect(cfg.preprocess.sessionGapSeconds).toBe(1800);
    expect(cfg.preprocess.tokenizer.kind).toBe('word');
    expect(cfg.limits.maxFieldLength).toBe(1024 * 1024);
  });

  it('lists every problem with its path', () => {
    expect(() => parseDataSourceConfig({ format: 'jsonl', paths: {}, preprocess: { split: { mode: 'time', valid: 2 } } })).toThrow(
      /paths\.events[\s\S]*preprocess\.split\.valid/,
    );
  });
});
