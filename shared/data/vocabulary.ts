// Item-text tokenization: either a word-level vocabulary trained on the item texts
// (deterministic: count desc, then code-point order) or a transformers.js tokenizer from a
// LOCAL model folder. Output is CSR token ids per item.
import { basename, dirname, resolve } from 'node:path';
import type { ItemTokens } from './types';
import type { PreprocessConfig } from './source-config';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
const SPECIAL = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 } as const;

/** Lowercased (NFKC) runs of letters/digits; punctuation separates words. */
export function wordsOf(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export interface WordVocabularyOptions {
  readonly minCount: number;
  /** including the special tokens */
  readonly maxVocab: number;
}

export function trainWordVocabulary(texts: readonly string[], options: WordVocabularyOptions): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) for (const word of wordsOf(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  const kept = [...counts.entries()].filter(([, n]) => n >= options.minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const room = Math.max(0, options.maxVocab - SPECIAL_TOKENS.length);
  return [...SPECIAL_TOKENS, ...kept.slice(0, room).map(([word]) => word)];
}

/** CSR token ids with at most maxTokens per item; unknown words map to [UNK]. */
export function encodeWithVocabulary(texts: readonly string[], vocab: readonly string[], maxTokens: number): ItemTokens {
  const index = new Map<string, number>();
  vocab.forEach((token, id) => index.set(token, id));
  return buildCsr(texts, vocab, SPECIAL, maxTokens, (text) => wordsOf(text).map((w) => index.get(w) ?? SPECIAL.unk));
}

/**
 * A tokenizer.json from a local folder. Remote loading is switched off first, so a missing
 * file fails here instead of reaching for a hub.
 */
export async function encodeWithLocalTokenizer(texts: readonly string[], modelDir: string, maxTokens: number): Promise<ItemTokens> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const absolute = resolve(modelDir);
  env.localModelPath = `${dirname(absolute)}/`;
  let tokenizer;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(basename(absolute), { local_files_only: true });
  } catch (err) {
    throw new Error(
      `tokenizer: cannot load a local tokenizer from ${absolute} (${err instanceof Error ? err.message : String(err)}); ` +
        'the folder needs tokenizer.json and tokenizer_config.json — remote models are disabled',
      { cause: err },
    );
  }
  const byId = new Map<number, string>();
  for (const [token, id] of tokenizer.get_vocab()) byId.set(id, token);
  const size = Math.max(...byId.keys()) + 1;
  const vocab = Array.from({ length: size }, (_, id) => byId.get(id) ?? '');
  const special = {
    pad: tokenizer.pad_token_id ?? -1,
    unk: tokenizer.unk_token_id ?? -1,
    cls: tokenizer.convert_tokens_to_ids('[CLS]') ?? -1,
    sep: tokenizer.sep_token_id ?? -1,
    mask: tokenizer.mask_token_id ?? -1,
  };
  return buildCsr(texts, vocab, special, maxTokens, (text) => tokenizer.encode(text, { add_special_tokens: false }));
}

export async function tokenizeItems(texts: readonly string[], config: PreprocessConfig['tokenizer']): Promise<ItemTokens> {
  if (config.kind === 'local-model') return encodeWithLocalTokenizer(texts, config.modelDir, config.maxTokensPerItem);
  const vocab = trainWordVocabulary(texts, { minCount: config.minCount, maxVocab: config.maxVocab });
  return encodeWithVocabulary(texts, vocab, config.maxTokensPerItem);
}

function buildCsr(
  texts: readonly string[],
  vocab: readonly string[],
  special: ItemTokens['special'],
  maxTokens: number,
  encode: (text: string) => number[],
): ItemTokens {
  const offsets = new Int32Array(texts.length + 1);
  const chunks: number[][] = [];
  let total = 0;
  texts.forEach((text, i) => {
    const ids = encode(text).slice(0, maxTokens);
    chunks.push(ids);
    total += ids.length;
    offsets[i + 1] = total;
  });
  const ids = new Int32Array(total);
  chunks.forEach((chunk, i) => ids.set(chunk, offsets[i]!));
  return { vocab, offsets, ids, special };
}
