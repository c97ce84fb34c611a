// A "watch" is a monitor or a heartbeat: something whose status the edge keeps. This module
// turns one observation (a probe result, a ping, a missed deadline) into the next stored state
// and the plan of what the change does. Pure: the cron and the ping route store what it returns.
import type { Heartbeat, Monitor } from "./config.pure";
import type { HeartbeatTimes, PingAction } from "./heartbeat.pure";
import { planTransition, type TransitionPlan, type WatchDefinition, type WatchSource } from "./signals.pure";
import { observe, type Hysteresis, type Level, type Observation, type StatusChange, type WatchCounters } from "./state.pure";

export interface WatchState {
  source: WatchSource;
  watchId: string;
  status: Level;
  statusSince: string;
  /** Grows with every write; a write names the seq it read, so a concurrent one loses. */
  seq: number;
  counters: Omit<WatchCounters, "status">;
  episodeKey: string | null;
  componentApplied: string | null;
  referenceAt: string;
  lastCheckedAt: string | null;
  nextDueAt: string | null;
  lastLevel: Observation | null;
  lastMessage: string | null;
  lastLatencyMs: number | null;
  lastPingAt: string | null;
  lastPingKind: string | null;
  lastSuccessAt: string | null;
  lastStartAt: string | null;
  lastFailAt: string | null;
}

export function initialState(source: WatchSource, watchId: string, now: Date): WatchState {
  const at = now.toISOString();
  return {
    source,
    watchId,
    status: "up",
    statusSince: at,
    seq: 0,
    counters: { badStreak: 0, downStreak: 0, goodStreak: 0, notDownStreak: 0 },
    episodeKey: null,
    componentApplied: null,
    referenceAt: at,
    lastCheckedAt: null,
    nextDueAt: null,
    lastLevel: null,
    lastMessage: null,
    lastLatencyMs: null,
    lastPingAt: null,
    lastPingKind: null,
    lastSuccessAt: null,
    lastStartAt: null,
    lastFailAt: null,
  };
}

const kindLabel: Record<Monitor["kind"], string> = { http: "HTTP check", tls: "TLS certificate check", dns: "DNS check", tcp: "TCP check", smtp: "SMTP check" };

export function monitorDefinition(m: Monitor): WatchDefinition & { hysteresis: Hysteresis } {
  return {
    source: "monitor",
    id: m.id,
    name: m.name,
    describe: `${kindLabel[m.kind]} of ${m.target}`,
    component: m.component,
    componentEffect: m.componentEffect,
    urgency: m.urgency,
    hysteresis: { failuresToDown: m.failuresToDown, successesToRecover: m.successesToRecover },
  };
}

/** Heartbeats change at once: a missed deadline or a /fail is news, and so is the next success. */
export function heartbeatDefinition(h: Heartbeat): WatchDefinition & { hysteresis: Hysteresis } {
  return {
    source: "heartbeat",
    id: h.id,
    name: h.name,
    describe: "heartbeat",
    component: h.component,
    componentEffect: h.componentEffect,
    urgency: h.urgency,
    hysteresis: { failuresToDown: 1, successesToRecover: 1 },
  };
}

/** How many results in a row made the change (said in the alert). */
function streakBehind(change: StatusChange, s: Omit<WatchCounters, "status">): number {
  if (change.to === "up") return s.goodStreak;
  if (change.to === "down") return s.downStreak;
  return change.from === "down" ? s.notDownStreak : s.badStreak;
}

export interface Evaluation {
  next: WatchState;
  plan: TransitionPlan | null;
}

/**
 * The state after one observation, and the plan of the change it causes (if any). `reason` is
 * the sentence that explains it (the probe's message, or why a heartbeat is late).
 */
export function evaluateObservation(
  state: WatchState,
  def: WatchDefinition & { hysteresis: Hysteresis },
  obs: Observation,
  reason: string,
  now: Date,
): Evaluation {
  const { counters, change } = observe({ status: state.status, ...state.counters }, obs, def.hysteresis);
  const { status, ...streaks } = counters;
  const seq = state.seq + 1;
  const next: WatchState = { ...state, seq, status, counters: streaks };
  if (!change) return { next, plan: null };
  const plan = planTransition(def, change, { seq, episodeKey: state.episodeKey, reason, at: now, streak: streakBehind(change, streaks) });
  return { next: { ...next, statusSince: now.toISOString(), episodeKey: plan.episodeKeyAfter }, plan };
}

/** A watch that is no longer configured (or is paused) while not up: its outage is closed. */
export function closeWatch(state: WatchState, def: WatchDefinition, reason: string, now: Date): Evaluation {
  if (state.status === "up") return { next: state, plan: null };
  const seq = state.seq + 1;
  const plan = planTransition(def, { from: state.status, to: "up" }, { seq, episodeKey: state.episodeKey, reason, at: now, streak: 0 });
  return {
    next: { ...state, seq, status: "up", statusSince: now.toISOString(), episodeKey: null, counters: { badStreak: 0, downStreak: 0, goodStreak: 0, notDownStreak: 0 } },
    plan,
  };
}

/** Slack so that a monitor checked every 60 s is due again at the next minute's tick. */
export const DUE_SLACK_MS = 10_000;

/** Enabled monitors that are due, most overdue first (never checked first), at most `limit`. */
export function selectDue(monitors: Monitor[], states: ReadonlyMap<string, WatchState>, now: Date, limit: number): Monitor[] {
  const due = monitors
    .filter((m) => m.enabled)
    .map((m) => ({ m, due: states.get(m.id)?.nextDueAt ?? null }))
    .filter((x) => x.due === null || Date.parse(x.due) <= now.getTime());
  due.sort((a, b) => (a.due === null ? -1 : b.due === null ? 1 : Date.parse(a.due) - Date.parse(b.due)));
  return due.slice(0, limit).map((x) => x.m);
}

export function nextDueAfter(m: Monitor, checkedAt: Date): string {
  return new Date(checkedAt.getTime() + m.interval * 1000 - DUE_SLACK_MS).toISOString();
}

/** What a ping records, and the observation it makes (a start makes none). */
export function recordPing(state: WatchState, action: PingAction, now: Date): { state: WatchState; observation: Observation | null } {
  const at = now.toISOString();
  const s: WatchState = { ...state, lastPingAt: at, lastPingKind: action.kind };
  if (action.kind === "start") return { state: { ...s, lastStartAt: at }, observation: null };
  if (action.kind === "success") return { state: { ...s, lastSuccessAt: at }, observation: "up" };
  return { state: { ...s, lastFailAt: at }, observation: "down" };
}

/** The times a heartbeat's verdict depends on, from its stored state. */
export function heartbeatTimes(state: WatchState): HeartbeatTimes {
  const d = (s: string | null) => (s ? new Date(s) : null);
  return { referenceAt: new Date(state.referenceAt), lastSuccessAt: d(state.lastSuccessAt), lastStartAt: d(state.lastStartAt), lastFailAt: d(state.lastFailAt) };
}
