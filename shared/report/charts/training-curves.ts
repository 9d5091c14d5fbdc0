// Loss per epoch: pre-training and fine-tuning side by side, control against valued, with the
// validation loss dashed so over-fitting is visible at a glance.
import type { TopLevelSpec } from 'vega-lite';
import type { TrainingPointT } from '../input';
import { chartConfig, COLORS } from './theme';

export interface TrainingRow {
  phase: 'pre-training' | 'fine-tuning';
  variant: TrainingPointT['variant'];
  split: TrainingPointT['split'];
  series: string;
  epoch: number;
  loss: number;
}

const PHASE_LABEL = { pretrain: 'pre-training', finetune: 'fine-tuning' } as const;
const PHASE_ORDER = ['pre-training', 'fine-tuning'] as const;
const VARIANT_ORDER = ['valued', 'control', 'shared'] as const;

/** Curve points ordered by phase, variant, split, epoch: the order a line is drawn in. */
export function trainingRows(points: readonly TrainingPointT[]): TrainingRow[] {
  const rows = points.map((p) => ({
    phase: PHASE_LABEL[p.phase],
    variant: p.variant,
    split: p.split,
    series: `${p.variant} · ${p.split}`,
    epoch: p.epoch,
    loss: p.loss,
  }));
  const rank = (r: TrainingRow) => [PHASE_ORDER.indexOf(r.phase), VARIANT_ORDER.indexOf(r.variant), r.split === 'train' ? 0 : 1, r.epoch];
  return rows.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number);
    return 0;
  });
}

export function trainingSpec(rows: readonly TrainingRow[]): TopLevelSpec {
  const variants = VARIANT_ORDER.filter((v) => rows.some((r) => r.variant === v));
  const phases = PHASE_ORDER.filter((p) => rows.some((r) => r.phase === p));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    data: { values: [...rows] },
    facet: { column: { field: 'phase', type: 'nominal', title: null, sort: phases, header: { labelFontSize: 13 } } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: { size: 28 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } },
        color: {
          field: 'variant',
          type: 'nominal',
          title: 'model',
          scale: { domain: variants, range: variants.map((v) => COLORS[v]) },
          legend: { symbolType: 'stroke', symbolStrokeWidth: 3 },
        },
        strokeDash: {
          field: 'split',
          type: 'nominal',
          title: 'split',
          scale: { domain: ['train', 'valid'], range: [[1, 0], [5, 3]] },
          // Vega-Lite draws a dash legend with transparent strokes (blank symbols); the
          // figure caption states solid = train, dashed = valid instead.
          legend: null,
        },
        detail: { field: 'series' },
      },
    },
  };
}
