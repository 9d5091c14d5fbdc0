import { describe, expect, it } from 'vitest';
import { Bm25Index, searchTokens } from '../../../shared/search/bm25';

// d0 "red apple" (2 tokens), d1 "green apple pie" (3), d2 "red red car" (3): N = 3, avgdl = 8/3.
const CORPUS = ['red apple', 'green apple pie', 'red red car'];
const AVGDL = 8 / 3;
const idf = (df: number) => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
const term = (tf: number, length: number, k1 = 1.2, b = 0.75) => (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / AVGDL));

describe('BM25 over item text', () => {
  it('scores a one-term query by idf and length-normalised term frequency, worked by hand', () => {
    const scores = new Bm25Index(CORPUS).score('red');
    // 'red' is in d0 (tf 1, |d| 2) and d2 (tf 2, |d| 3): idf = ln(1 + 1.5/2.5) = ln 1.6
    expect(idf(2)).toBeCloseTo(Math.log(1.6), 12);
    expect(scores[0]).toBeCloseTo(Math.log(1.6) * (2.2 / 1.975), 5);
    expect(scores[1]).toBe(0);
    expect(scores[2]).toBeCloseTo(Math.log(1.6) * (4.4 / 3.3125), 5);
    expect(scores[2]).toBeGreaterThan(scores[0]!); // the repeat outweighs the longer document
  });

  it('sums distinct query terms, so a rarer term weighs more and a repeated query word counts once', () => {
    const index = new Bm25Index(CORPUS);
    const scores = index.score('apple pie');
    expect(scores[1]).toBeCloseTo(idf(2) * term(1, 3) + idf(1) * term(1, 3), 5);
    expect(scores[0]).toBeCloseTo(idf(2) * term(1, 2), 5);
    expect(scores[2]).toBe(0);
    expect(Array.from(index.score('pie pie apple'))).toEqual(Array.from(scores));
  });

  it('reads case and punctuation alike in documents and queries, and scores unknown words 0', () => {
    const index = new Bm25Index(['Red, APPLE!', 'green apple-pie']);
    expect(searchTokens('Green apple-pie')).toEqual(['green', 'apple', 'pie']);
    expect(index.score('RED apple')[0]).toBeCloseTo(new Bm25Index(['red apple', 'green apple pie']).score('red apple')[0]!, 6);
    expect(Array.from(index.score('zebra'))).toEqual([0, 0]);
  });

  it('with b = 0 ignores document length, and k1 bounds what term repeats add', () => {
    const flat = new Bm25Index(CORPUS, { b: 0 }).score('red');
    expect(flat[0]).toBeCloseTo(idf(2), 6); // tf 1: (k1+1)/(1+k1) = 1
    expect(flat[2]).toBeCloseTo((idf(2) * 2 * 2.2) / 3.2, 6);
    expect(() => new Bm25Index(CORPUS, { b: 2 })).toThrow();
  });
});
