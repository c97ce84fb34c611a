// What a status change does: the queue job it sends (one per change; none for a partial
// recovery), how it moves the linked component, and whether it prepares a draft incident.
// Pure: the cron and the heartbeat routes store the plan with the change (watch_transitions)
// and carry it out afterwards (dispatch.ts).
import type { Job } from "../../contract/jobs";
import type { Urgency } from "../../contract/reports";
import type { ComponentStatus, CreateIncidentInput } from "../../contract/status";
import type { Level, StatusChange } from "./state.pure";

export type WatchSource = "monitor" | "heartbeat";

/** The part of a monitor or heartbeat definition that decides what its changes do. */
export interface WatchDefinition {
  source: WatchSource;
  id: string;
  name: string;
  /** Shown in alerts, e.g. "HTTP check of https://www.example.com/" or "heartbeat". */
  describe: string;
  component?: string | undefined;
  componentEffect: { down: ComponentStatus | null; degraded: ComponentStatus | null };
  urgency: Urgency;
}

export interface ComponentMove {
  componentId: string;
  /** worsen: only moves a component that is better off than `to` (and never one under
   * maintenance); restore: only moves it back if it still shows what this watch set. */
  action: "worsen" | "restore";
  to: ComponentStatus;
}

export interface TransitionPlan {
  /** Unique per change: source:id:seq. */
  id: string;
  signalKey: string;
  /** The open signal's key after this change (null once up again). */
  episodeKeyAfter: string | null;
  job: Job | null;
  component: ComponentMove | null;
  draftWanted: boolean;
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

const levelWords: Record<Level, string> = { up: "up", degraded: "degraded", down: "down" };

export function planTransition(
  w: WatchDefinition,
  change: StatusChange,
  ctx: { seq: number; episodeKey: string | null; reason: string; at: Date; streak: number },
): TransitionPlan {
  const id = `${w.source}:${w.id}:${ctx.seq}`;
  const opening = change.from === "up";
  const signalKey = opening || !ctx.episodeKey ? id : ctx.episodeKey;
  const componentId = w.component;
  let job: Job | null = null;
  let component: ComponentMove | null = null;

  if (change.to === "up") {
    job = { type: "signal.recovered", source: w.source, sourceId: w.id, key: signalKey };
    if (componentId) component = { componentId, action: "restore", to: "operational" };
  } else if (change.to === "down" || opening) {
    const urgency: Urgency = change.to === "down" ? w.urgency : "normal";
    const subject = clip(`${w.name} is ${levelWords[change.to]}: ${ctx.reason}`, 300);
    const after = w.source === "heartbeat" ? "" : ` after ${ctx.streak} result${ctx.streak === 1 ? "" : "s"} in a row`;
    const text = clip(
      [
        `${w.name} (${w.describe}) is ${levelWords[change.to]} since ${ctx.at.toISOString()}${after}.`,
        ctx.reason,
        componentId ? `Linked component: ${componentId}.` : "No component is linked.",
      ].join("\n"),
      4000,
    );
    job = { type: "signal.raised", source: w.source, sourceId: w.id, key: signalKey, subject, text, componentId: componentId ?? null, urgency };
    const effect = change.to === "down" ? w.componentEffect.down : w.componentEffect.degraded;
    if (componentId && effect) component = { componentId, action: "worsen", to: effect };
  } else {
    // down -> degraded: still not up, so the signal stays open and nobody is paged again; the
    // component steps back to what "degraded" means for it.
    if (componentId) component = { componentId, action: "restore", to: w.componentEffect.degraded ?? "operational" };
  }

  return {
    id,
    signalKey,
    episodeKeyAfter: change.to === "up" ? null : signalKey,
    job,
    component,
    draftWanted: change.to === "down",
  };
}

const worse: Record<ComponentStatus, number> = {
  operational: 0,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
  under_maintenance: -1,
};

/**
 * Whether to carry out a component move, given what the component shows now and what this
 * watch last set. Staff always win: a component they changed since is left alone, and one
 * under maintenance is never touched.
 */
export function componentMoveDecision(move: ComponentMove, current: ComponentStatus, lastAppliedByWatch: ComponentStatus | null): boolean {
  if (current === "under_maintenance" || current === move.to) return false;
  if (move.action === "worsen") return worse[current] < worse[move.to];
  return lastAppliedByWatch !== null && current === lastAppliedByWatch;
}

const impactOf: Record<ComponentStatus, CreateIncidentInput["impact"]> = {
  operational: "none",
  degraded_performance: "minor",
  partial_outage: "minor",
  major_outage: "major",
  under_maintenance: "none",
};

/** The incident staff publish in one tap: public words, no internal target names. */
export function draftIncident(p: {
  watchName: string;
  componentId: string | null;
  componentName: string | null;
  componentStatus: ComponentStatus | null;
  at: Date;
}): CreateIncidentInput {
  const what = p.componentName ?? p.watchName;
  const time = p.at.toISOString().slice(11, 16);
  return {
    name: clip(`${what}: service disruption`, 200),
    status: "investigating",
    impact: p.componentStatus ? impactOf[p.componentStatus] : "major",
    body: `We are investigating problems with ${what}. Our monitoring noticed them at ${time} UTC. We will post an update here as soon as we know more.`,
    components: p.componentId && p.componentStatus ? { [p.componentId]: p.componentStatus } : {},
  };
}
