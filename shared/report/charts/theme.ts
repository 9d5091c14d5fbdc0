// Shared look of every chart: system fonts only (nothing to download), readable sizes, and
// fixed colours for the things a reader compares across charts (valued vs control, kept vs
// quarantined, removal order), so a colour means the same thing everywhere in a report.
import type { Config } from 'vega-lite';

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export const chartConfig: Config = {
  font: FONT,
  background: '#ffffff',
  padding: 8,
  view: { stroke: '#d0d7de' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelColor: '#24292f', titleColor: '#24292f', gridColor: '#eaeef2' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, labelLimit: 260 },
  header: { labelFontSize: 12, labelFontWeight: 600, titleFontSize: 12 },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', color: '#24292f' },
};

export const COLORS = {
  valued: '#1f6feb',
  control: '#6e7781',
  shared: '#8250df',
  baselines: ['#d4a72c', '#2da44e', '#bf3989', '#fb8500', '#0a9396'],
  kept: '#1f6feb',
  quarantined: '#d1242f',
  unthresholded: '#6e7781',
  lowest: '#2da44e',
  highest: '#d1242f',
  random: '#6e7781',
  status: {
    succeeded: '#2da44e',
    'cache hit': '#8c959f',
    failed: '#d1242f',
    running: '#d4a72c',
    cancelled: '#bf8700',
    skipped: '#afb8c1',
    pending: '#d0d7de',
  },
  categorical: ['#1f6feb', '#d1242f', '#2da44e', '#8250df', '#d4a72c', '#0a9396', '#bf3989', '#6e7781'],
} as const;
