// Heartbeats, as healthchecks.io runs them: the company's jobs and servers ping us; a ping that
// does not come in time is the alarm. Schedules are a period plus grace, or a cron expression in
// a timezone plus grace (croner computes the next run, DST-correct: a 02:30 job on the
// spring-forward night is expected at 03:00, and once on the autumn night). Pure.
import { Cron } from "croner";
import type { HeartbeatSchedule } from "./config.pure";

export type PingKind = "success" | "start" | "fail";

export interface PingAction {
  kind: PingKind;
  exitStatus: number | null;
}

/**
 * The action named by the path after the token: nothing (success), "start", "fail", or an
 * exit status 0-255 (0 is success, anything else a failure). null for anything else.
 */
export function parsePingAction(segment: string | undefined): PingAction | null {
  if (segment === undefined || segment === "") return { kind: "success", exitStatus: null };
  if (segment === "start") return { kind: "start", exitStatus: null };
  if (segment === "fail") return { kind: "fail", exitStatus: null };
  if (/^\d{1,3}$/.test(segment)) {
    const code = Number(segment);
    if (code > 255) return null;
    return { kind: code === 0 ? "success" : "fail", exitStatus: code };
  }
  return null;
}

/** When the next ping is expected, given the last one (or when watching began). */
export function nextExpectedAt(schedule: HeartbeatSchedule, after: Date): Date {
  if (schedule.kind === "period") return new Date(after.getTime() + schedule.period * 1000);
  const next = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true, mode: "5-part" }).nextRun(after);
  // A pattern that never matches again (e.g. 30 February) cannot be late: nothing is expected.
  return next ?? new Date(8.64e15);
}

export interface HeartbeatTimes {
  /** When watching began: a heartbeat that never pinged is late from here. */
  referenceAt: Date;
  lastSuccessAt: Date | null;
  lastStartAt: Date | null;
  lastFailAt: Date | null;
}

export interface HeartbeatVerdict {
  late: boolean;
  /** When the next success ping is due, and the last moment it may arrive. */
  expectedAt: Date;
  deadline: Date;
  reason: string;
}

const fmt = (d: Date) => d.toISOString().replace(/:\d\d\.\d{3}Z$/, "Z").replace("T", " ");

/**
 * Is the heartbeat late at `now`? Late when no success came by the expected time plus grace,
 * or when a run signalled /start and neither finished nor failed within the grace.
 */
export function heartbeatVerdict(schedule: HeartbeatSchedule, t: HeartbeatTimes, now: Date): HeartbeatVerdict {
  const since = t.lastSuccessAt ?? t.referenceAt;
  const expectedAt = nextExpectedAt(schedule, since);
  const deadline = new Date(expectedAt.getTime() + schedule.grace * 1000);
  if (now.getTime() > deadline.getTime()) {
    const last = t.lastSuccessAt ? `the last success ping was at ${fmt(t.lastSuccessAt)} UTC` : "no success ping has come in yet";
    return { late: true, expectedAt, deadline, reason: `No ping by ${fmt(deadline)} UTC (expected at ${fmt(expectedAt)} plus grace); ${last}.` };
  }
  const lastEnd = Math.max(t.lastSuccessAt?.getTime() ?? 0, t.lastFailAt?.getTime() ?? 0);
  if (t.lastStartAt && t.lastStartAt.getTime() > lastEnd && now.getTime() > t.lastStartAt.getTime() + schedule.grace * 1000) {
    return { late: true, expectedAt, deadline, reason: `A run started at ${fmt(t.lastStartAt)} UTC and has not finished within the grace of ${schedule.grace} s.` };
  }
  return { late: false, expectedAt, deadline, reason: `Next ping expected at ${fmt(expectedAt)} UTC.` };
}

/** What a body kept as a log may hold. */
export const PING_BODY_KEEP_BYTES = 10 * 1024;

/**
 * A ping's body as a log line: UTF-8 (invalid bytes already replaced by the decoder), control
 * characters other than newline and tab removed, cut at `maxBytes` of UTF-8 without splitting a
 * character. Bodies are shown to staff; this keeps terminal escapes and NULs out of them.
 */
export function sanitizePingBody(text: string, maxBytes = PING_BODY_KEEP_BYTES): { body: string; truncated: boolean } {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2066-\u2069]/g, "");
  const bytes = new TextEncoder().encode(clean);
  if (bytes.byteLength <= maxBytes) return { body: clean, truncated: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // never end inside a multi-byte character
  return { body: new TextDecoder().decode(bytes.subarray(0, end)), truncated: true };
}
