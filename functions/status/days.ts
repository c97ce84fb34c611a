// Calendar days in the page's timezone, with Intl only. A day is [local midnight, next local
// midnight): 23 or 25 hours long on daylight-saving changes, never "86 400 000 ms from UTC".

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") out[part.type] = Number(part.value);
  }
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** The zone's offset from UTC at instant `ms`, in ms (e.g. +3 600 000 for CET). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date ("YYYY-MM-DD") of instant `ms` in `timeZone`. */
export function localDateKey(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
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
  const [y, m, d] = key.split("-").map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d);
  // Two passes: the offset at the guess may differ from the offset at the answer.
  let t = naive - zoneOffsetMs(naive, timeZone);
  t = naive - zoneOffsetMs(t, timeZone);
  // Midnight did not exist: step forward to the first instant of the day.
  if (localDateKey(t, timeZone) < key) {
    for (let i = 0; i < 4 && localDateKey(t, timeZone) < key; i++) t += 30 * 60_000;
    // Narrow down to the exact transition (offsets change on whole minutes).
    let step = 15 * 60_000;
    while (step >= 60_000) {
      if (localDateKey(t - step, timeZone) === key) t -= step;
      step /= 2;
    }
  }
  return t;
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

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
