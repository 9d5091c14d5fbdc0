// Event times as unix seconds, read strictly: an ISO-8601 time without an offset means a
// different instant in every time zone, `01/02/2000` is January or February depending on who
// wrote it, and a lenient parser silently rolls 1999-02-30 over to March. Each of these is a
// reject with its reason instead of a guess.

export interface TimestampSettings {
  /** how an epoch number is read: `auto` takes values above 1e11 as milliseconds */
  readonly unit: 'auto' | 'seconds' | 'milliseconds';
  /** the IANA zone of ISO times written without an offset; without it such times are rejected */
  readonly timeZone?: string;
}

export type ParsedTimestamp = { ok: true; seconds: number } | { ok: false; reason: string; message: string };

/** Above this an `auto` epoch number is milliseconds (1e11 s is the year 5138). */
const MILLISECONDS_THRESHOLD = 1e11;

/** 01/02/2000, 1.2.2000, 2000/01/02: numbers in an order only the writer knows */
const NUMERIC_DATE = /^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b/;
const EPOCH = /^-?\d+(\.\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export function parseTimestamp(value: number | string, settings: TimestampSettings): ParsedTimestamp {
  if (typeof value === 'number') return fromEpoch(value, settings);
  const text = value.trim();
  if (EPOCH.test(text)) return fromEpoch(Number(text), settings);
  const iso = ISO.exec(text);
  if (!iso) {
    const fix = 'write it as ISO 8601 with an offset (e.g. 2024-12-10T00:01:29Z) or as unix time';
    if (NUMERIC_DATE.test(text)) return { ok: false, reason: 'ambiguous-date', message: `timestamp ${JSON.stringify(value)} is ambiguous (day and month order differ by locale); ${fix}` };
    return { ok: false, reason: 'wrong-type', message: `timestamp ${JSON.stringify(value)} is not unix time or ISO 8601; ${fix}` };
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = iso as unknown as string[];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const impossible = impossibleField(year, month, day, hour, minute, second);
  if (impossible) return { ok: false, reason: 'impossible-date', message: `timestamp ${JSON.stringify(value)} is not a real time: ${impossible}` };
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second) + Number(`0${fraction}`) * 1000;
  if (offset) {
    const offsetMinutes = offsetMinutesOf(offset);
    if (offsetMinutes === undefined) return { ok: false, reason: 'impossible-date', message: `timestamp ${JSON.stringify(value)} has an impossible UTC offset ${offset}` };
    return { ok: true, seconds: (wallMs - offsetMinutes * 60_000) / 1000 };
  }
  if (!settings.timeZone) {
    return { ok: false, reason: 'missing-offset', message: `timestamp ${JSON.stringify(value)} has no UTC offset; add one (Z, +02:00) or declare source.timestamps.timeZone` };
  }
  return { ok: true, seconds: wallTimeToUtcMs(wallMs, settings.timeZone) / 1000 };
}

function fromEpoch(value: number, settings: TimestampSettings): ParsedTimestamp {
  if (!Number.isFinite(value)) return { ok: false, reason: 'wrong-type', message: `timestamp ${value} is not a finite number` };
  if (settings.unit === 'milliseconds') return { ok: true, seconds: value / 1000 };
  if (settings.unit === 'seconds') return { ok: true, seconds: value };
  return { ok: true, seconds: Math.abs(value) > MILLISECONDS_THRESHOLD ? value / 1000 : value };
}

function impossibleField(year: number, month: number, day: number, hour: number, minute: number, second: number): string | undefined {
  if (month < 1 || month > 12) return `month ${month} is not 1-12`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `day ${day} is not in ${year}-${String(month).padStart(2, '0')} (1-${days})`;
  if (hour > 23) return `hour ${hour} is not 0-23`;
  if (minute > 59) return `minute ${minute} is not 0-59`;
  if (second > 59) return `second ${second} is not 0-59`;
  return undefined;
}

function offsetMinutesOf(offset: string): number | undefined {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.replace(':', '');
  const hours = Number(digits.slice(1, 3));
  const minutes = Number(digits.slice(3, 5));
  if (hours > 14 || minutes > 59) return undefined;
  return (digits[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** True for a zone name Intl knows (IANA names such as Europe/Paris, and UTC). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at a UTC instant, in milliseconds. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** A wall-clock time in `timeZone` as a UTC instant (the offset is re-read at the guess, for DST). */
function wallTimeToUtcMs(wallMs: number, timeZone: string): number {
  const guess = wallMs - zoneOffsetMs(wallMs, timeZone);
  return wallMs - zoneOffsetMs(guess, timeZone);
}
