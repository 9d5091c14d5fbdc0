// The step DAG as a timeline: one row per step, a bar from its start to its end, coloured by
// outcome, labelled with duration and attempts. A cache hit is a labelled zero-length bar.
import type { TopLevelSpec } from 'vega-lite';
import type { StepRecordT } from '../input';
import { formatDuration } from '../format';
import { chartConfig, COLORS } from './theme';

export type GanttOutcome = keyof typeof COLORS.status;

export interface GanttRow {
  step: string;
  outcome: GanttOutcome;
  /** seconds since the run started */
  startS: number;
  endS: number;
  attempts: number;
  label: string;
}

export interface GanttTimeUnit {
  name: 'seconds' | 'minutes' | 'hours';
  seconds: number;
}

/**
 * One row per step that started; steps that never started are left out of the bars but kept
 * on the axis by `ganttSpec` so the reader sees what did not run. A step still running (or
 * failed without an end time) is drawn up to `generatedAt`.
 */
export function ganttRows(steps: readonly StepRecordT[], runStartedAt: string, generatedAt: string): GanttRow[] {
  const started = steps.filter((s) => s.startedAt !== undefined);
  const origin = Math.min(Date.parse(runStartedAt), ...started.map((s) => Date.parse(s.startedAt as string)));
  const fallbackEnd = Date.parse(generatedAt);
  return started.map((s) => {
    const start = Date.parse(s.startedAt as string);
    const end = Math.max(start, s.finishedAt === undefined ? fallbackEnd : Date.parse(s.finishedAt));
    const outcome: GanttOutcome = s.cacheHit ? 'cache hit' : s.status;
    const durationS = (end - start) / 1000;
    const parts = [s.cacheHit ? 'cache hit' : formatDuration(durationS)];
    if (s.attempts > 1) parts.push(`${s.attempts} attempts`);
    if (s.status === 'failed') parts.push('failed');
    if (s.status === 'running' && !s.cacheHit) parts.push('still running');
    return { step: s.name, outcome, startS: (start - origin) / 1000, endS: (end - origin) / 1000, attempts: s.attempts, label: parts.join(' · ') };
  });
}

/** Picks the axis unit so tick labels stay short: seconds up to 3 min, minutes up to 3 h. */
export function ganttTimeUnit(rows: readonly GanttRow[]): GanttTimeUnit {
  const span = Math.max(0, ...rows.map((r) => r.endS));
  if (span <= 180) return { name: 'seconds', seconds: 1 };
  if (span <= 3 * 3600) return { name: 'minutes', seconds: 60 };
  return { name: 'hours', seconds: 3600 };
}

export function ganttSpec(rows: readonly GanttRow[], stepOrder: readonly string[]): TopLevelSpec {
  const unit = ganttTimeUnit(rows);
  const values = rows.map((r) => ({ ...r, start: r.startS / unit.seconds, end: r.endS / unit.seconds }));
  const span = Math.max(1e-9, ...values.map((v) => v.end));
  // Room to the right of the longest bar for its label.
  const domainMax = span / 0.7;
  const outcomes = Object.keys(COLORS.status) as GanttOutcome[];
  const present = outcomes.filter((o) => rows.some((r) => r.outcome === o));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    width: 640,
    height: { step: 30 },
    data: { values },
    encoding: {
      y: { field: 'step', type: 'nominal', title: null, scale: { domain: [...stepOrder] }, sort: [...stepOrder] },
    },
    layer: [
      {
        mark: { type: 'bar', cornerRadius: 2, height: { band: 0.6 } },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: `${unit.name} since run start`, scale: { domain: [0, domainMax], nice: false } },
          x2: { field: 'end' },
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'outcome',
            scale: { domain: present, range: present.map((o) => COLORS.status[o]) },
          },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 5, fontSize: 11, color: '#24292f' },
        encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}
