import { describe, expect, it } from 'vitest';
import { ganttRows, ganttSpec, ganttTimeUnit } from '../../../../shared/report/charts/step-gantt';
import { StepRecord } from '../../../../shared/report/input';

const step = (s: Record<string, unknown>) => StepRecord.parse(s);

describe('ganttRows', () => {
  const runStart = '2025-06-14T02:00:00Z';
  const now = '2025-06-14T02:10:00Z';

  it('places each started step at its offset from the run start, in seconds', () => {
    const rows = ganttRows(
      [
        step({ name: 'preprocess', status: 'succeeded', startedAt: '2025-06-14T02:00:05Z', finishedAt: '2025-06-14T02:00:35Z' }),
        step({ name: 'pretrain', status: 'succeeded', startedAt: '2025-06-14T02:00:40Z', finishedAt: '2025-06-14T02:06:40Z', attempts: 2 }),
      ],
      runStart,
      now,
    );
    expect(rows).toEqual([
      { step: 'preprocess', outcome: 'succeeded', startS: 5, endS: 35, attempts: 1, label: '30 s' },
      { step: 'pretrain', outcome: 'succeeded', startS: 40, endS: 400, attempts: 2, label: '6 min 00 s · 2 attempts' },
    ]);
  });

  it('draws a still-running step up to the report time and a cache hit as labelled', () => {
    const rows = ganttRows(
      [
        step({ name: 'preprocess', status: 'succeeded', startedAt: '2025-06-14T02:00:00Z', finishedAt: '2025-06-14T02:00:01Z', cacheHit: true }),
        step({ name: 'pretrain', status: 'running', startedAt: '2025-06-14T02:01:00Z' }),
      ],
      runStart,
      now,
    );
    expect(rows[0]).toMatchObject({ outcome: 'cache hit', label: 'cache hit' });
    expect(rows[1]).toMatchObject({ outcome: 'running', startS: 60, endS: 600, label: '9 min 00 s · still running' });
  });

  it('leaves steps that never started out of the bars but keeps them on the axis', () => {
    const steps = [
      step({ name: 'finetune', status: 'failed', startedAt: '2025-06-14T02:00:00Z', finishedAt: '2025-06-14T02:00:20Z', attempts: 3 }),
      step({ name: 'infer', status: 'pending', attempts: 0 }),
    ];
    const rows = ganttRows(steps, runStart, now);
    expect(rows.map((r) => r.step)).toEqual(['finetune']);
    expect(rows[0]?.label).toBe('20 s · 3 attempts · failed');
    const spec = ganttSpec(rows, ['finetune', 'infer']) as { encoding: { y: { scale: { domain: string[] } } } };
    expect(spec.encoding.y.scale.domain).toEqual(['finetune', 'infer']);
  });

  it('chooses the time unit so the axis reads in seconds, minutes or hours', () => {
    const row = (endS: number) => ({ step: 's', outcome: 'succeeded' as const, startS: 0, endS, attempts: 1, label: '' });
    expect(ganttTimeUnit([row(90)]).name).toBe('seconds');
    expect(ganttTimeUnit([row(1000)]).name).toBe('minutes');
    expect(ganttTimeUnit([row(5 * 3600)]).name).toBe('hours');
  });
});
