/**
 * Research API dates: `start_date`/`end_date` are UTC days (`YYYYMMDD`; we also take `YYYY-MM-DD`), and
 * one query may span at most 30 days. A longer window is split into consecutive windows of 30 days (both
 * ends included), queried in order and merged; a page cursor over split windows says which window it is in.
 */
import { limits } from './api';
import { InvalidTikTokRequestError } from './errors';

export interface DateWindow {
  start_date: string;
  end_date: string;
}

const DAY_MS = 86_400_000;
/** The longest span a caller may ask for (13 windows). */
export const MAX_SPAN_DAYS = 366;

/** Epoch ms of the UTC day `value` names (`YYYYMMDD` or `YYYY-MM-DD`), or a 400 naming `field`. */
export function parseDay(field: string, value: unknown): number {
  if (typeof value !== 'string') throw new InvalidTikTokRequestError(field, 'must be a date YYYYMMDD or YYYY-MM-DD');
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value.trim());
  if (!match) throw new InvalidTikTokRequestError(field, `"${value}" is not a date YYYYMMDD or YYYY-MM-DD`);
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const at = Date.UTC(y, m - 1, d);
  const check = new Date(at);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) throw new InvalidTikTokRequestError(field, `"${value}" is not a calendar date`);
  return at;
}

export const formatDay = (at: number): string => new Date(at).toISOString().slice(0, 10).replaceAll('-', '');

/** The windows of at most 30 days covering `start`…`end` (UTC days, inclusive), oldest first. */
export function splitWindows(start: number, end: number, maxDays: number = limits.researchMaxWindowDays): DateWindow[] {
  const windows: DateWindow[] = [];
  for (let from = start; from <= end; from += maxDays * DAY_MS) {
    windows.push({ start_date: formatDay(from), end_date: formatDay(Math.min(end, from + (maxDays - 1) * DAY_MS)) });
  }
  return windows;
}

/** The caller's dates, checked (order, not in the future, span) and split. */
export function researchWindows(input: { start_date: unknown; end_date: unknown }, now: number): DateWindow[] {
  const start = parseDay('start_date', input.start_date);
  const end = parseDay('end_date', input.end_date);
  if (end < start) throw new InvalidTikTokRequestError('end_date', 'is before start_date');
  const today = parseDay('today', formatDay(now));
  if (start > today) throw new InvalidTikTokRequestError('start_date', 'is in the future');
  const span = (end - start) / DAY_MS + 1;
  if (span > MAX_SPAN_DAYS) throw new InvalidTikTokRequestError('end_date', `the window is ${span} days; at most ${MAX_SPAN_DAYS}`);
  return splitWindows(start, end);
}
