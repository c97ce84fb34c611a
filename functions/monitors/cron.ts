// Every minute (the cron task "monitors"): run the monitors that are due, side by side, each
// with its own timeout; find heartbeats that missed their deadline; close the outages of
// watches no longer configured; then carry out the effects of every change (dispatch.ts).
// Work per tick is bounded (MAX_PROBES_PER_TICK); monitors not reached stay due and go first
// next minute. One failing probe or write never stops the others.
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import type { MonitorsConfig } from "./config.pure";
import { commitEvaluation } from "./commit";
import { dispatchTransitions } from "./dispatch";
import { heartbeatVerdict } from "./heartbeat.pure";
import { runProbe } from "./probes/index";
import type { ProbeResult } from "./probes/result.pure";
import type { ProbeContext } from "./probes/types";
import { addToHourlyStatement, ensureStateStatement, insertResultStatement, loadActiveMonitorsConfig, loadStates, pruneResults } from "./queries";
import type { WatchDefinition } from "./signals.pure";
import {
  closeWatch,
  evaluateObservation,
  heartbeatDefinition,
  heartbeatTimes,
  monitorDefinition,
  nextDueAfter,
  selectDue,
  type WatchState,
} from "./watch.pure";

/**
 * Probes per tick. Each is one or two subrequests (the TLS check: a socket and a fetch) plus a
 * D1 batch; 20 keeps a tick well inside the Workers limits (50 subrequests on the free plan,
 * 1000 on paid) alongside the other cron tasks. More monitors than this at a 60 s interval are
 * checked less often, oldest first.
 */
export const MAX_PROBES_PER_TICK = 20;
const RAW_RESULTS_KEPT_MS = 48 * 3_600_000;
const HOURLY_KEPT_MS = 100 * 86_400_000;

export type ProbeServices = Omit<ProbeContext, "signal" | "deadline" | "now">;

/** What the monitors' cron task uses. The probe settings are vars of wrangler.toml, read like
 * the channel adapters' provider URLs (from `channelSettings`). */
export type MonitorServices = Pick<Services, "db" | "queue" | "config" | "channelSettings">;

export function probeServices(svc: Pick<Services, "config" | "channelSettings">): ProbeServices {
  const env = svc.channelSettings;
  return {
    userAgent: `outofband-monitor/1 (+${svc.config.publicUrl})`,
    dohUrl: env.DNS_OVER_HTTPS_URL,
    ctSearchUrl: env.CT_SEARCH_URL,
    ctApiKey: env.CERTSPOTTER_API_KEY || null,
  };
}

export interface TickSummary {
  probed: number;
  heartbeatsLate: number;
  closed: number;
  dispatched: number;
  errors: string[];
}

const EMPTY: MonitorsConfig = { version: 1, monitors: [], heartbeats: [] };

export async function runMonitorsTick(svc: MonitorServices, now: Date, services: ProbeServices = probeServices(svc)): Promise<TickSummary> {
  const db = svc.db;
  const config = (await loadActiveMonitorsConfig(db, { lenient: true }))?.config ?? EMPTY;
  const watched = [
    ...config.monitors.map((m) => ensureStateStatement(db, "monitor", m.id, now)),
    ...config.heartbeats.map((h) => ensureStateStatement(db, "heartbeat", h.id, now)),
  ];
  if (watched.length > 0) await db.batch(watched);
  const states = await loadStates(db);
  const monitorStates = new Map(states.filter((s) => s.source === "monitor").map((s) => [s.watchId, s]));
  const errors: string[] = [];
  const settle = async (label: string, work: Array<Promise<unknown>>) => {
    for (const r of await Promise.allSettled(work)) {
      if (r.status === "rejected") errors.push(`${label}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    }
  };

  // 1. Due monitors, side by side.
  const due = selectDue(config.monitors, monitorStates, now, MAX_PROBES_PER_TICK);
  await settle(
    "monitor",
    due.map(async (m) => recordProbeResult(db, m, monitorStates.get(m.id)!, await runProbe(m, services, now), now)),
  );

  // 2. Heartbeats past their deadline (pings themselves are handled as they come in).
  let heartbeatsLate = 0;
  const heartbeatWork: Array<Promise<unknown>> = [];
  for (const h of config.heartbeats) {
    const state = states.find((s) => s.source === "heartbeat" && s.watchId === h.id);
    if (!h.enabled || !state || state.status === "down") continue;
    const verdict = heartbeatVerdict(h.schedule, heartbeatTimes(state), now);
    if (!verdict.late) continue;
    heartbeatsLate++;
    heartbeatWork.push(commitEvaluation(db, state, evaluateObservation(state, heartbeatDefinition(h), "down", verdict.reason, now), verdict.reason, now));
  }
  await settle("heartbeat", heartbeatWork);

  // 3. Outages of watches removed from the configuration, or paused, are over.
  let closed = 0;
  const closing: Array<Promise<unknown>> = [];
  for (const state of states) {
    if (state.status === "up") continue;
    const found = watchDefinitionOf(config, state);
    if (found?.enabled) continue;
    closed++;
    const reason = found ? `${found.def.name} was paused.` : `${state.watchId} is no longer configured.`;
    // A removed watch has no link any more: its component is left as it is.
    const def: WatchDefinition = found?.def ?? { source: state.source, id: state.watchId, name: state.watchId, describe: state.source, componentEffect: { down: null, degraded: null }, urgency: "normal" };
    closing.push(commitEvaluation(db, state, closeWatch(state, def, reason, now), reason, now));
  }
  await settle("close", closing);

  // 4. The effects of every change (also re-drives effects left undone by an earlier run).
  const dispatched = await dispatchTransitions(svc, now, { config });

  // 5. Retention.
  await pruneResults(db, new Date(now.getTime() - RAW_RESULTS_KEPT_MS), new Date(now.getTime() - HOURLY_KEPT_MS));

  const summary = { probed: due.length, heartbeatsLate, closed, dispatched: dispatched.done, errors };
  if (errors.length > 0) throw new Error(`monitors: ${errors.length} failed: ${errors.slice(0, 3).join(" | ")}`);
  return summary;
}

export const monitorsCronTask: CronTask = {
  name: "monitors",
  run: (svc, now) => runMonitorsTick(svc, now).then(() => undefined),
};

function watchDefinitionOf(config: MonitorsConfig, state: WatchState): { def: WatchDefinition; enabled: boolean } | null {
  if (state.source === "monitor") {
    const m = config.monitors.find((x) => x.id === state.watchId);
    return m ? { def: monitorDefinition(m), enabled: m.enabled } : null;
  }
  const h = config.heartbeats.find((x) => x.id === state.watchId);
  return h ? { def: heartbeatDefinition(h), enabled: h.enabled } : null;
}

async function recordProbeResult(db: D1Database, m: MonitorsConfig["monitors"][number], state: WatchState, result: ProbeResult, now: Date): Promise<void> {
  const ev = evaluateObservation(state, monitorDefinition(m), result.level, result.message, now);
  ev.next = {
    ...ev.next,
    lastCheckedAt: now.toISOString(),
    nextDueAt: nextDueAfter(m, now),
    lastLevel: result.level,
    lastMessage: result.message.slice(0, 1000),
    lastLatencyMs: result.latencyMs,
  };
  await commitEvaluation(db, state, ev, result.message, now, [
    insertResultStatement(db, { monitorId: m.id, at: now, level: result.level, latencyMs: result.latencyMs, message: result.message }),
    addToHourlyStatement(db, { monitorId: m.id, at: now, level: result.level, latencyMs: result.latencyMs }),
  ]);
}
