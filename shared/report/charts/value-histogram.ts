// Distribution of data values per valuation method. Each method has its own scale (KNN-Shapley
// values are tiny, Data-OOB values live in [0, 1]), so each gets its own panel; bins at or
// above the selection threshold are coloured "kept", the rest "quarantined".
import type { TopLevelSpec } from 'vega-lite';
import type { HistogramBinT, ValueDistributionT } from '../input';
import { chartConfig, COLORS } from './theme';

export type BinSide = 'kept' | 'quarantined' | 'no threshold';

export interface HistogramRow {
  method: string;
  start: number;
  end: number;
  count: number;
  side: BinSide;
}

/** sqrt(n) bins, at least 10 and at most 50: enough shape for thousands of values, never comb-like. */
export function defaultBinCount(n: number): number {
  return Math.min(50, Math.max(10, Math.ceil(Math.sqrt(n))));
}

/**
 * Equal-width bins over [min, max]; bin i holds values in [start_i, end_i), the last bin is
 * closed so the maximum is counted. Counting runs over a typed array, since a method may
 * value millions of examples.
 */
export function histogramBins(values: ArrayLike<number>, binCount = defaultBinCount(values.length)): HistogramBinT[] {
  const n = values.length;
  if (n === 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    // Every value equal: one bin of visible width centred on it.
    const half = Math.abs(min) * 0.005 || 0.5;
    return [{ start: min - half, end: min + half, count: n }];
  }
  const width = (max - min) / binCount;
  const counts = new Int32Array(binCount);
  for (let i = 0; i < n; i++) {
    const bin = Math.min(binCount - 1, Math.floor(((values[i] as number) - min) / width));
    counts[bin] = (counts[bin] as number) + 1;
  }
  const bins: HistogramBinT[] = [];
  for (let b = 0; b < binCount; b++) {
    bins.push({ start: min + b * width, end: b === binCount - 1 ? max : min + (b + 1) * width, count: counts[b] as number });
  }
  return bins;
}

/** A bin belongs to the side its midpoint falls on. */
export function binSide(bin: HistogramBinT, threshold: number | undefined): BinSide {
  if (threshold === undefined) return 'no threshold';
  return (bin.start + bin.end) / 2 >= threshold ? 'kept' : 'quarantined';
}

export function histogramRows(dist: ValueDistributionT): HistogramRow[] {
  const bins = dist.bins ?? histogramBins(dist.values ?? []);
  return bins.map((b) => ({ method: dist.method, start: b.start, end: b.end, count: b.count, side: binSide(b, dist.threshold) }));
}

/** `sampled`: the rows count a sample of the values, and the axis says so. */
export function histogramSpec(distributions: readonly { method: string; threshold?: number; sampled?: boolean; rows: readonly HistogramRow[] }[]): TopLevelSpec {
  const sides: BinSide[] = ['kept', 'quarantined', 'no threshold'];
  const used = sides.filter((s) => distributions.some((d) => d.rows.some((r) => r.side === s)));
  const panels = distributions.map((d) => ({
    title: d.method,
    width: 300,
    height: 160,
    data: { values: [...d.rows] },
    layer: [
      {
        mark: { type: 'bar' as const, binSpacing: 0 },
        encoding: {
          x: { field: 'start', type: 'quantitative' as const, title: `value (${d.method})`, axis: { format: '~g', labelOverlap: true } },
          x2: { field: 'end' },
          y: { field: 'count', type: 'quantitative' as const, title: d.sampled ? 'examples in the sample' : 'examples' },
          // Ranged x with a quantitative y draws from y2; without it bars collapse to points.
          y2: { datum: 0 },
          color: {
            field: 'side',
            type: 'nominal' as const,
            title: 'selection',
            scale: { domain: used, range: used.map((s) => (s === 'kept' ? COLORS.kept : s === 'quarantined' ? COLORS.quarantined : COLORS.unthresholded)) },
          },
        },
      },
      ...(d.threshold === undefined
        ? []
        : [
            {
              data: { values: [{ threshold: d.threshold }] },
              mark: { type: 'rule' as const, color: '#24292f', strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: { x: { field: 'threshold', type: 'quantitative' as const } },
            },
          ]),
    ],
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    columns: 2,
    concat: panels,
    resolve: { scale: { color: 'shared' } },
  };
}
