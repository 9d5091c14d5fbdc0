// Item price as a model input (pretrain.encoder.priceBuckets = B): each item falls in one of
// B + 1 buckets, 0 for an item without a price and 1..B by the quantiles of the known prices.
// The model learns one vector per bucket (`embedding.price`) and adds it to the item's row of
// the embedding table wherever the item's vector is used (itemTable, encoder.ts).
// Quantiles rather than equal-width (log-)price bins: each bucket holds about as many items,
// so every bucket vector learns from as many of them, and the buckets do not depend on the
// currency or on a monotone transform such as log.

/**
 * The bucket of every item: 0 without a price (NaN), else 1 + ⌊B · r / n⌋, where r is the
 * number of known prices below the item's and n their count — its quantile band. Equal prices
 * share a bucket; a catalogue with few distinct prices leaves some buckets empty.
 */
export function priceBuckets(prices: ArrayLike<number>, buckets: number): number[] {
  if (!Number.isInteger(buckets) || buckets < 2) throw new RangeError(`priceBuckets: ${buckets} buckets; use an integer ≥ 2`);
  const known = Float64Array.from(Array.prototype.filter.call(prices, (p: number) => !Number.isNaN(p)) as number[]).sort();
  const n = known.length;
  const out: number[] = [];
  for (let i = 0; i < prices.length; i++) {
    const p = prices[i]!;
    out.push(Number.isNaN(p) ? 0 : 1 + Math.floor((buckets * below(known, p)) / n));
  }
  return out;
}

/** How many of the sorted values are below x (binary search). */
function below(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
