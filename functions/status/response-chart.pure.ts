// Response time of a monitored component as a small inline SVG line: the last 24 hours (one
// point per hour) and the last 90 days (one point per day). Pure: hourly averages in, a path of
// whole-number coordinates out (a few hundred bytes; no JavaScript, nothing to load). Hours or
// days with no measurement break the line rather than being drawn as zero.

export interface HourlyLatency {
  /** Start of the hour, ISO (monitor_hourly.hour). */
  hour: string;
  count: number;
  sumMs: number;
}

export interface ResponseChart {
  /** SVG path data: "M" starts a run of measured points, "L" continues it. */
  path: string;
  width: number;
  height: number;
  /** The slowest average drawn (the top of the chart), rounded. */
  maxMs: number;
  /** Average over the whole period, rounded; null when nothing was measured. */
  averageMs: number | null;
  points: number;
}

export const CHART_HEIGHT = 24;

/** Averages per bucket: `buckets` slots of `bucketMs` ending at `endMs` (exclusive). */
export function bucketAverages(rows: readonly HourlyLatency[], endMs: number, buckets: number, bucketMs: number): Array<number | null> {
  const sums = new Array<number>(buckets).fill(0);
  const counts = new Array<number>(buckets).fill(0);
  const startMs = endMs - buckets * bucketMs;
  for (const r of rows) {
    const t = Date.parse(r.hour);
    if (!Number.isFinite(t) || t < startMs || t >= endMs || r.count <= 0) continue;
    const i = Math.floor((t - startMs) / bucketMs);
    sums[i]! += r.sumMs;
    counts[i]! += r.count;
  }
  return sums.map((s, i) => (counts[i]! > 0 ? s / counts[i]! : null));
}

/** The chart of a series of averages (null = no data), `step` units apart. */
export function responseChart(series: ReadonlyArray<number | null>, step: number): ResponseChart | null {
  const measured = series.filter((v): v is number => v !== null);
  if (measured.length === 0) return null;
  const max = Math.max(...measured, 1);
  const segments: string[] = [];
  let previous: number | null = null;
  series.forEach((v, i) => {
    if (v === null) {
      previous = null;
      return;
    }
    const x = i * step;
    // 1 unit of margin at the top and bottom, so the line's stroke is never cut.
    const y = Math.round(CHART_HEIGHT - 1 - (v / max) * (CHART_HEIGHT - 2));
    segments.push(`${previous === null ? "M" : "L"}${x} ${y}`);
    previous = v;
  });
  // A single point in a run is a zero-length line: draw it as a short dash so it shows.
  const path = segments
    .map((s, i) => (s.startsWith("M") && (i + 1 >= segments.length || segments[i + 1]!.startsWith("M")) ? `${s}h1` : s))
    .join("");
  const total = measured.reduce((a, b) => a + b, 0);
  return {
    path,
    width: Math.max(1, (series.length - 1) * step),
    height: CHART_HEIGHT,
    maxMs: Math.round(max),
    averageMs: Math.round(total / measured.length),
    points: measured.length,
  };
}

const HOUR = 3_600_000;

/** The two charts of a component: 24 hours up to the current hour, 90 days up to today (UTC). */
export function componentResponseCharts(rows: readonly HourlyLatency[], now: number): { day: ResponseChart | null; quarter: ResponseChart | null } {
  const hourEnd = Math.floor(now / HOUR) * HOUR + HOUR;
  const dayEnd = Math.floor(now / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
  return {
    day: responseChart(bucketAverages(rows, hourEnd, 24, HOUR), 4),
    quarter: responseChart(bucketAverages(rows, dayEnd, 90, 24 * HOUR), 1),
  };
}
