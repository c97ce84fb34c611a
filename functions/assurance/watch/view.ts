// The watch's part of GET /api/admin/assurance and of `npm run doctor`: what is drifting now
// (one entry per broken thing, as it was paged) and the weekly human-path check (the last test
// page's result and when the next goes out). The console's panel shows the same rows.
import type { AssuranceDoctorCheck } from "../doctor-check";
import { nextSlot } from "./human-check.pure";
import { latestHumanCheck, listOpenDrifts } from "./queries";
import { readWatchSettings } from "./settings";

export interface WatchView {
  drifts: Array<{ key: string; kind: string; subject: string; opened_at: string; last_seen_at: string }>;
  human_check: {
    last: { started_at: string; due_at: string; state: "waiting" | "acknowledged" | "unacknowledged"; finished_at: string | null } | null;
    next_at: string | null;
  };
}

export async function watchView(db: D1Database, env: Env, now: Date): Promise<WatchView> {
  const [drifts, last] = await Promise.all([listOpenDrifts(db), latestHumanCheck(db)]);
  const next = nextSlot(readWatchSettings(env).humanCheck, now.getTime());
  return {
    drifts: drifts.map((d) => ({ key: d.key, kind: d.kind, subject: d.subject, opened_at: d.openedAt, last_seen_at: d.lastSeenAt })),
    human_check: {
      last: last ? { started_at: last.startedAt, due_at: last.dueAt, state: last.state, finished_at: last.finishedAt } : null,
      next_at: next ? next.toISOString() : null,
    },
  };
}

/**
 * The doctor's verdict on the watch: an open drift fails (something that worked is broken, and
 * on-call was paged about it), and so does a test page nobody acknowledged (the channels it
 * went out on are unverified); a schedule that cannot be read warns.
 */
export function watchDoctorCheck(view: WatchView): AssuranceDoctorCheck {
  const details: string[] = [];
  let verdict: AssuranceDoctorCheck["verdict"] = "pass";
  for (const d of view.drifts) {
    verdict = "fail";
    details.push(`${d.kind}: ${d.subject} (since ${d.opened_at})`);
  }
  const last = view.human_check.last;
  if (last?.state === "unacknowledged") {
    verdict = "fail";
    details.push(`Nobody acknowledged the test page of ${last.started_at} by ${last.due_at}: the channels it went out on are unverified.`);
  } else if (last?.state === "waiting") {
    details.push(`A test page went out at ${last.started_at}; it is to be acknowledged by ${last.due_at}.`);
  } else if (last?.state === "acknowledged") {
    details.push(`The last test page (${last.started_at}) was acknowledged in time.`);
  } else {
    details.push("No weekly test page has gone out yet.");
  }
  if (view.human_check.next_at === null) {
    if (verdict === "pass") verdict = "warn";
    details.push("HUMAN_CHECK_CRON is not a valid schedule: no test pages go out.");
  } else {
    details.push(`Next test page ${view.human_check.next_at}.`);
  }
  return { id: "assurance-watch", title: "Nothing is drifting, and the weekly test page was acknowledged", verdict, details };
}
