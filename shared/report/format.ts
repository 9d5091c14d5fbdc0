// How numbers, times and durations read in the report: one place, so tables and chart labels agree.

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 07 min` */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const totalS = Math.round(seconds);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${String(totalS % 60).padStart(2, '0')} s`;
  const totalMin = Math.round(seconds / 60);
  return `${Math.floor(totalMin / 60)} h ${String(totalMin % 60).padStart(2, '0')} min`;
}

/** Fixed decimals for metrics (`0.0712`); an absent value reads as a dash, never as 0. */
export function formatMetric(value: number | undefined, digits = 4): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** `12,345` */
export function formatCount(value: number | undefined): string {
  return value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
}

/** `12.5%` */
export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** ISO time → `2025-03-14 02:10:33 UTC`: one zone for every reader of a shared report. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Seconds between two ISO times, or undefined when either is missing. */
export function secondsBetween(fromIso: string | undefined, toIso: string | undefined): number | undefined {
  if (fromIso === undefined || toIso === undefined) return undefined;
  return (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
}
