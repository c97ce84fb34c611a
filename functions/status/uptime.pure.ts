// Uptime history of a component, derived from its status-change records (never typed in).
//
// How a day counts (as Atlassian Statuspage counts it, so numbers read the same):
//   - major_outage counts fully as downtime;
//   - partial_outage counts as PARTIAL_OUTAGE_WEIGHT (30 %) of its duration as downtime;
//   - degraded_performance and under_maintenance count as up: the service answers (slowly),
//     and maintenance is announced ahead.
// Time before the component's first record (or its start date) and after "now" is not
// observed, and does not count either way. The bar's colour is the worst status of the day.
import type { ComponentStatus } from "../../contract/status";
import type { LocalDay } from "./days.pure";

export const PARTIAL_OUTAGE_WEIGHT = 0.3;

const downtimeWeight: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 0,
  degraded_performance: 0,
  partial_outage: PARTIAL_OUTAGE_WEIGHT,
  major_outage: 1,
};

/** Order of badness for the bar colour: maintenance is worse than nothing, better than trouble. */
export const severity: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export interface StatusChangePoint {
  /** Epoch ms. */
  at: number;
  to: ComponentStatus;
}

export interface DayHistory {
  date: string;
  /** Worst status seen that day, or null when the day was not observed at all. */
  worst: ComponentStatus | null;
  /** Milliseconds spent in each status that day (observed time only). */
  durations: Partial<Record<ComponentStatus, number>>;
  observedMs: number;
  downtimeMs: number;
}

/**
 * One entry per day in `days`. `changes` may hold one record from before the first day (the
 * status at its start); `observedFrom` (epoch ms) cuts off time before the component existed.
 */
export function dailyHistory(input: {
  changes: readonly StatusChangePoint[];
  days: readonly LocalDay[];
  now: number;
  observedFrom?: number;
}): DayHistory[] {
  const changes = [...input.changes].sort((a, b) => a.at - b.at);
  // Intervals [from, to) with one status each.
  const intervals: Array<{ from: number; to: number; status: ComponentStatus }> = [];
  for (let i = 0; i < changes.length; i++) {
    const from = Math.max(changes[i]!.at, input.observedFrom ?? -Infinity);
    const to = Math.min(i + 1 < changes.length ? changes[i + 1]!.at : input.now, input.now);
    if (to > from) intervals.push({ from, to, status: changes[i]!.to });
  }
  return input.days.map((day) => {
    const durations: Partial<Record<ComponentStatus, number>> = {};
    let observedMs = 0;
    let downtimeMs = 0;
    let worst: ComponentStatus | null = null;
    for (const iv of intervals) {
      const overlap = Math.min(iv.to, day.end) - Math.max(iv.from, day.start);
      if (overlap <= 0) continue;
      durations[iv.status] = (durations[iv.status] ?? 0) + overlap;
      observedMs += overlap;
      downtimeMs += overlap * downtimeWeight[iv.status];
      if (worst === null || severity[iv.status] > severity[worst]) worst = iv.status;
    }
    return { date: day.date, worst, durations, observedMs, downtimeMs };
  });
}

/**
 * Uptime over the days given, as a percentage floored to two decimals (so any downtime at
 * all never shows as 100 %), or null when nothing was observed.
 */
export function uptimePercent(days: readonly DayHistory[]): number | null {
  let observed = 0;
  let down = 0;
  for (const d of days) {
    observed += d.observedMs;
    down += d.downtimeMs;
  }
  if (observed === 0) return null;
  return Math.floor(((observed - down) / observed) * 10_000) / 100;
}
