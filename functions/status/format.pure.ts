// How times and durations read on the pages and in the feeds. Server-side everything is in UTC
// (correct with JavaScript off); public/local-time.js rewrites <time> elements into the
// reader's zone. Text only: the markup around it is render.ts's.

const utcDateTime = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const utcDate = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });

export function formatUtc(iso: string): string {
  return `${utcDateTime.format(new Date(iso))} UTC`;
}

/** A calendar date ("YYYY-MM-DD", already in the page's timezone) as text. */
export function formatDateKey(key: string): string {
  return utcDate.format(new Date(`${key}T12:00:00Z`));
}

const monthName = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", month: "long", year: "numeric" });

/** "November 2026" for "2026-11". */
export function formatMonthKey(month: string): string {
  return monthName.format(new Date(`${month}-15T12:00:00Z`));
}

/** "2 h 40 min", "35 min", "less than a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (mins && !days) parts.push(`${mins} min`);
  return parts.join(" ");
}
