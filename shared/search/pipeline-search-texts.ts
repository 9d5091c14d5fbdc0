// The search task's texts as the pipeline's value and infer steps read them: through the text
// embedding cache (shared/text/item-text.ts), so a text is encoded once per model — the value
// step's encoding serves the infer step of the same run, and later runs of the dataset.
import { itemTextEmbeddings, textEmbeddingCacheDir } from '../text/item-text';
import { loadSentenceEncoder } from '../text/sentence-encoder';
import type { EncodedSearchTask } from './search-inputs';
import type { SearchTask } from './search-task';

export async function pipelineSearchTexts(task: Pick<SearchTask, 'itemTexts' | 'queryTexts'>, cacheDir: string = textEmbeddingCacheDir()): Promise<EncodedSearchTask> {
  const encoder = await loadSentenceEncoder();
  try {
    const started = performance.now();
    const items = await itemTextEmbeddings(encoder, task.itemTexts, cacheDir);
    const queries = await itemTextEmbeddings(encoder, task.queryTexts, cacheDir);
    return { items: items.embeddings, queries: queries.embeddings, encodeSeconds: (performance.now() - started) / 1000 };
  } finally {
    await encoder.close();
  }
}
