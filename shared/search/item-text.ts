// The text an item is searched by: title, description, category path and brand, the fields a
// shop's search index would hold. One rule for BM25 and the sentence encoder.
import type { RawItem } from '../data/schemas';

export function itemSearchText(item: Pick<RawItem, 'title' | 'description' | 'categoryPath' | 'brand'>): string {
  return [item.title, item.description, item.categoryPath.join(' > '), item.brand]
    .map((part) => part?.trim())
    .filter((part): part is string => !!part)
    .join('. ');
}
