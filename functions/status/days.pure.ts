// Calendar days in the page's timezone, with Intl only. A day is [local midnight, next local
// midnight): 23 or 25 hours long on daylight-saving changes, never "86 400 000 ms from UTC".

import { instantOfWall, offsetAt, wallClockAt, wallOfDate } from "../platform/zoned-time.pure";

/** The zone's offset from UTC at instant `ms`, in ms (e.g. +3 600 000 for CET). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  return offsetAt(timeZone, ms);
}

/** The local calendar date ("YYYY-MM-DD") of instant `ms` in `timeZone`. */
export function localDateKey(ms: number, timeZone: string): string {
  return new Date(wallClockAt(timeZone, ms)).toISOString().slice(0, 10);
}

/** The local month ("YYYY-MM") of instant `ms` in `timeZone`. */
export function localMonthKey(ms: number, timeZone: string): string {
  return localDateKey(ms, timeZone).slice(0, 7);
}

/** `key` plus `days` calendar days (pure date arithmetic, no zone involved). */
export function addDays(key: string, days: number): string {
  const [y, m, d] = key.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** `month` ("YYYY-MM") plus `months`. */
export function addMonths(month: string, months: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 1)).toISOString().slice(0, 7);
}

/**
 * The first instant of local date `key` in `timeZone`. Usually local midnight; where a
 * daylight-saving jump skips midnight (e.g. America/Santiago), the first instant that exists.
 */
export function startOfLocalDay(key: string, timeZone: string): number {
  // A midnight that never happens (a daylight-saving jump at 00:00) moves forward by the gap:
  // exactly the first instant of the day.
  return instantOfWall(timeZone, wallOfDate(key));
}

export interface LocalDay {
  /** "YYYY-MM-DD" in the page's timezone. */
  date: string;
  start: number;
  end: number;
}

/** The last `count` local days up to and including the day of `now`, oldest first. */
export function lastLocalDays(now: number, timeZone: string, count: number): LocalDay[] {
  const today = localDateKey(now, timeZone);
  const days: LocalDay[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const date = addDays(today, -i);
    days.push({ date, start: startOfLocalDay(date, timeZone), end: startOfLocalDay(addDays(date, 1), timeZone) });
  }
  return days;
}

/** The instant local month `month` ("YYYY-MM") starts. */
export function startOfLocalMonth(month: string, timeZone: string): number {
  return startOfLocalDay(`${month}-01`, timeZone);
}
