// Hysteresis: how a stream of results becomes a status. One blip must not page anyone or move
// the status page, and one lucky answer must not declare an outage over, so a status changes
// only after N results in a row say so (M to recover). Pure and table-tested.

/** A watch's status after hysteresis. */
export type Level = "up" | "degraded" | "down";
/** One result. "inconclusive" is our side failing (the CT log API or the DoH resolver is
 * unreachable): it says nothing about the company's server and leaves every streak as it is. */
export type Observation = Level | "inconclusive";

export interface Hysteresis {
  /** Results in a row that must be bad (down; or degraded, for degraded) to change status. */
  failuresToDown: number;
  /** Results in a row that must be better to recover. */
  successesToRecover: number;
}

export interface WatchCounters {
  status: Level;
  badStreak: number;
  downStreak: number;
  goodStreak: number;
  notDownStreak: number;
}

export interface StatusChange {
  from: Level;
  to: Level;
}

export const freshCounters: WatchCounters = { status: "up", badStreak: 0, downStreak: 0, goodStreak: 0, notDownStreak: 0 };

export const severity: Record<Level, number> = { up: 0, degraded: 1, down: 2 };

function count(c: WatchCounters, obs: Level): WatchCounters {
  return {
    status: c.status,
    badStreak: obs === "up" ? 0 : c.badStreak + 1,
    downStreak: obs === "down" ? c.downStreak + 1 : 0,
    goodStreak: obs === "up" ? c.goodStreak + 1 : 0,
    notDownStreak: obs === "down" ? 0 : c.notDownStreak + 1,
  };
}

/**
 * The counters after one more result, and the status change it causes, if any:
 * - not down, and N downs in a row: down;
 * - up, and N results in a row degraded or down (but not N downs): degraded;
 * - down, and M results in a row not down: up if all M were up, else degraded;
 * - degraded, and M ups in a row: up.
 */
export function observe(c: WatchCounters, obs: Observation, h: Hysteresis): { counters: WatchCounters; change: StatusChange | null } {
  if (obs === "inconclusive") return { counters: c, change: null };
  const next = count(c, obs);
  const n = h.failuresToDown;
  const m = h.successesToRecover;
  let to: Level = c.status;
  if (c.status !== "down" && next.downStreak >= n) to = "down";
  else if (c.status === "up" && next.badStreak >= n) to = "degraded";
  else if (c.status === "down" && next.notDownStreak >= m) to = next.goodStreak >= m ? "up" : "degraded";
  else if (c.status === "degraded" && next.goodStreak >= m) to = "up";
  if (to === c.status) return { counters: next, change: null };
  return { counters: { ...next, status: to }, change: { from: c.status, to } };
}
