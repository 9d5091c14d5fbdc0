// Rows the preprocessor rejected, counted per reason: the biggest data-quality problem on top.
import type { TopLevelSpec } from 'vega-lite';
import type { RejectsT } from '../input';
import { chartConfig, COLORS } from './theme';

export interface RejectRow {
  reason: string;
  count: number;
}

/** Reasons by count, largest first (ties by name so the order is stable); zero counts dropped. */
export function rejectRows(rejects: Pick<RejectsT, 'byReason' | 'examples'>): RejectRow[] {
  const merged = new Map<string, number>();
  for (const r of rejects.byReason) merged.set(r.reason, (merged.get(r.reason) ?? 0) + r.count);
  return [...merged]
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

export function rejectsSpec(rows: readonly RejectRow[]): TopLevelSpec {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    width: 480,
    height: { step: 24 },
    data: { values: [...rows] },
    encoding: {
      // No axis title: the labels say what they are, and a title would crowd long reasons.
      y: { field: 'reason', type: 'nominal', title: null, sort: rows.map((r) => r.reason), axis: { labelLimit: 480 } },
    },
    layer: [
      {
        mark: { type: 'bar', color: COLORS.quarantined, height: { band: 0.7 } },
        // Whole rows only: a handful of rejects would otherwise get ticks at 0.1, 0.2 …
        encoding: { x: { field: 'count', type: 'quantitative', title: 'rejected rows', scale: { domain: [0, max * 1.2], nice: false }, axis: { tickMinStep: 1, format: ',d' } } },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#24292f' },
        encoding: { x: { field: 'count', type: 'quantitative' }, text: { field: 'count', type: 'quantitative', format: ',d' } },
      },
    ],
  };
}
