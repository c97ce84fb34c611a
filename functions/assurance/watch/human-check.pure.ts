// The weekly human-path check: when the next test page is due, and what it says. Silent checks
// prove that a provider accepts a message; only a person tapping "acknowledge" proves that the
// message woke someone. Pure: croner computes the schedule (DST-correct) from the time given.
import { Cron } from "croner";

export interface HumanCheckSettings {
  /** When the test page goes out: a 5-part cron expression (default Tuesday 10:00). */
  cron: string;
  timezone: string;
  /** How long on-call has to acknowledge it before it counts as failed (and escalates on). */
  ackMinutes: number;
}

export const humanCheckDefaults: HumanCheckSettings = { cron: "0 10 * * 2", timezone: "UTC", ackMinutes: 30 };

/** A slot missed by more than this (the Worker was down) is skipped, not sent late. */
const LATEST_START_MS = 6 * 3_600_000;

/** The scheduled time at or before `now` that is still worth a test page, or null. */
export function dueSlot(settings: HumanCheckSettings, now: number): Date | null {
  let cron: Cron;
  try {
    cron = new Cron(settings.cron, { timezone: settings.timezone, paused: true, mode: "5-part" });
  } catch {
    return null;
  }
  let cursor = new Date(now - LATEST_START_MS - 1000);
  let found: Date | null = null;
  for (let i = 0; i < 500; i++) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > now) break;
    found = next;
    cursor = next;
  }
  return found;
}

export function isValidSchedule(settings: HumanCheckSettings): boolean {
  try {
    new Cron(settings.cron, { timezone: settings.timezone, paused: true, mode: "5-part" });
    return true;
  } catch {
    return false;
  }
}

/** The test page: unmistakably a test, and what to do (one tap). */
export function testPage(slot: Date, ackMinutes: number): { key: string; subject: string; text: string } {
  const at = slot.toISOString();
  return {
    key: `human-path:${at}`,
    subject: "TEST PAGE (weekly check): please acknowledge. Nothing is wrong.",
    text: [
      "This is the weekly test of the path from this hub to you. Nothing is broken and no customer is waiting.",
      `Acknowledge it (one tap on the link) within ${ackMinutes} minutes.`,
      "If nobody does, it escalates like a real alert, and the channels it went out on are marked unverified in assurance.",
    ].join("\n"),
  };
}

/** What an acknowledged or missed test page means for the channels it went out on. */
export function humanVerdict(
  check: { dueAt: string },
  alert: { state: string; acknowledgedAt: string | null } | null,
  now: number,
): "acknowledged" | "unacknowledged" | "waiting" {
  const due = Date.parse(check.dueAt);
  if (alert?.acknowledgedAt && Date.parse(alert.acknowledgedAt) <= due) return "acknowledged";
  return now > due ? "unacknowledged" : "waiting";
}

/** The next test page after `now` (for the console), or null when the schedule is invalid. */
export function nextSlot(settings: HumanCheckSettings, now: number): Date | null {
  try {
    return new Cron(settings.cron, { timezone: settings.timezone, paused: true, mode: "5-part" }).nextRun(new Date(now));
  } catch {
    return null;
  }
}
