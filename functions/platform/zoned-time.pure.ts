// Wall-clock time in an IANA timezone, with nothing but Intl. Hand-offs are wall-clock times
// ("09:00 in Europe/Amsterdam"), so converting between a wall clock and an instant is the one
// place daylight-saving changes are handled.
//
// A "wall" value is a millisecond count read as if the wall clock were UTC: Date.UTC(2026, 2,
// 29, 2, 30) is the wall clock 2026-03-29 02:30 in whatever zone it belongs to. Wall values have
// 24-hour days always, which makes "the next day at 09:00" plain arithmetic.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

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

/** The wall clock in `timeZone` at the instant `instantMs`, as a wall value. */
export function wallClockAt(timeZone: string, instantMs: number): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(seconds))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour === 24 ? 0 : p.hour!, p.minute!, p.second!);
  return wall + (instantMs - seconds);
}

/** The zone's offset from UTC at an instant, in ms (Amsterdam in summer: +7_200_000). */
export function offsetAt(timeZone: string, instantMs: number): number {
  return wallClockAt(timeZone, instantMs) - instantMs;
}

/**
 * The instant a wall clock shows `wall` in `timeZone`. Like Temporal's "compatible"
 * disambiguation: a time that happens twice (autumn: 02:30 in Amsterdam) is its first
 * occurrence; a time that never happens (spring: 02:30) is moved forward by the gap (03:30).
 */
export function instantOfWall(timeZone: string, wall: number): number {
  // Real zones change offset at most a few times a year, so the offsets a day either side are
  // the offsets before and after any change near `wall`.
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const candidates = [wall - before, wall - after].filter((i) => wallClockAt(timeZone, i) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before;
}

/** Wall value of "YYYY-MM-DD" at 00:00. */
export function wallOfDate(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** Wall value of "YYYY-MM-DDTHH:mm". */
export function wallOfLocalDateTime(text: string): number {
  return Date.parse(`${text}:00Z`);
}

/** "2026-03-29 03:00" for a wall value (for people and logs). */
export function formatWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16).replace("T", " ");
}
