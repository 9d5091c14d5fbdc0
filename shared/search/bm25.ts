// BM25 over item text (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and
// Beyond", 2009), with the non-negative idf Lucene uses:
//
//   idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
//   score(q, d) = Σ_{t ∈ distinct terms of q} idf(t) · tf(t,d) · (k1 + 1) / (tf(t,d) + k1 · (1 − b + b · |d| / avgdl))
//
// N documents, df(t) documents holding t, |d| tokens in d, avgdl the mean |d|. Postings are kept
// as CSR typed arrays (term → documents with their term frequency) so a query touches only the
// documents that share a term with it.

import { z } from 'zod';

export const bm25OptionsSchema = z.object({
  /** term-frequency saturation */
  k1: z.number().nonnegative().default(1.2),
  /** document-length normalisation, 0 (none) … 1 (full) */
  b: z.number().min(0).max(1).default(0.75),
});
export type Bm25Options = z.input<typeof bm25OptionsSchema>;

/** Lower-cased runs of letters and digits; the same rule for documents and queries. */
export function searchTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  readonly documents: number;
  readonly averageLength: number;
  private readonly termIds = new Map<string, number>();
  /** postings of term t are [termStart[t], termStart[t+1]) */
  private readonly termStart: Int32Array;
  private readonly postingDoc: Int32Array;
  private readonly postingTf: Float32Array;
  private readonly idf: Float64Array;
  private readonly docLength: Float32Array;

  constructor(texts: readonly string[], options: Bm25Options = {}) {
    const { k1, b } = bm25OptionsSchema.parse(options);
    this.k1 = k1;
    this.b = b;
    this.documents = texts.length;
    this.docLength = new Float32Array(texts.length);
    // pass 1: per-document term counts, and document frequency per term
    const docTerms: Map<number, number>[] = [];
    const df: number[] = [];
    let totalLength = 0;
    texts.forEach((text, d) => {
      const counts = new Map<number, number>();
      for (const token of searchTokens(text)) {
        let id = this.termIds.get(token);
        if (id === undefined) {
          id = df.length;
          this.termIds.set(token, id);
          df.push(0);
        }
        counts.set(id, (counts.get(id) ?? 0) + 1);
        this.docLength[d]!++;
      }
      for (const id of counts.keys()) df[id]!++;
      totalLength += this.docLength[d]!;
      docTerms.push(counts);
    });
    this.averageLength = texts.length > 0 ? totalLength / texts.length : 0;
    // pass 2: CSR postings, documents ascending within a term
    const terms = df.length;
    this.termStart = new Int32Array(terms + 1);
    for (let t = 0; t < terms; t++) this.termStart[t + 1] = this.termStart[t]! + df[t]!;
    this.postingDoc = new Int32Array(this.termStart[terms]!);
    this.postingTf = new Float32Array(this.termStart[terms]!);
    const fill = this.termStart.slice(0, terms);
    docTerms.forEach((counts, d) => {
      for (const [t, tf] of counts) {
        const at = fill[t]!++;
        this.postingDoc[at] = d;
        this.postingTf[at] = tf;
      }
    });
    this.idf = Float64Array.from(df, (n) => Math.log(1 + (this.documents - n + 0.5) / (n + 0.5)));
  }

  get vocabularySize(): number {
    return this.idf.length;
  }

  /** BM25 of `query` against every document (0 where no term is shared), into `out` when given. */
  score(query: string, out: Float32Array = new Float32Array(this.documents)): Float32Array {
    if (out.length !== this.documents) throw new RangeError(`BM25 score buffer has ${out.length} slots for ${this.documents} documents`);
    out.fill(0);
    const norm = this.averageLength > 0 ? this.b / this.averageLength : 0;
    for (const token of new Set(searchTokens(query))) {
      const t = this.termIds.get(token);
      if (t === undefined) continue;
      const idf = this.idf[t]!;
      for (let p = this.termStart[t]!; p < this.termStart[t + 1]!; p++) {
        const d = this.postingDoc[p]!;
        const tf = this.postingTf[p]!;
        out[d]! += (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + norm * this.docLength[d]!));
      }
    }
    return out;
  }
}
