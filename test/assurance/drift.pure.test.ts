// Drift rules and the human-path schedule, as tables.
import { describe, expect, it } from "vitest";
import { driftDefaults, findDrift, type DriftInput } from "../../functions/assurance/watch/drift.pure";
import { dueSlot, humanVerdict, testPage } from "../../functions/assurance/watch/human-check.pure";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const min = (m: number) => new Date(NOW - m * 60_000).toISOString();
const run = (m: number, ok: boolean, error: string | null = ok ? null : "boom") => ({ at: min(m), ok, error });
const base: DriftInput = { now: NOW, settings: driftDefaults, checks: new Map(), secretsNow: [], secretsSeen: [], cursors: [], traffic: [] };
const keys = (input: Partial<DriftInput>) => findDrift({ ...base, ...input }).map((f) => f.key);

describe("findDrift: checks", () => {
  it.each([
    { name: "one failure is not drift", runs: [run(0, false), run(15, true)], everOk: true, want: [] },
    { name: "two failures in a row are", runs: [run(0, false), run(15, false)], everOk: true, want: ["drift:check:c"] },
    { name: "a success since is not", runs: [run(0, true), run(15, false)], everOk: true, want: [] },
    { name: "a failure-only check, recently failing twice", runs: [run(5, false), run(6, false)], everOk: false, want: ["drift:check:c"] },
    { name: "a failure-only check, quiet for over an hour", runs: [run(61, false), run(62, false)], everOk: false, want: [] },
    { name: "a single run so far", runs: [run(0, false)], everOk: false, want: [] },
  ])("$name", ({ runs, everOk, want }) => {
    expect(keys({ checks: new Map([["c", { runs, everOk }]]) })).toEqual(want);
  });

  it("names a broken on-call channel so the page avoids it", () => {
    const [f] = findDrift({ ...base, checks: new Map([["channel:pushover", { runs: [run(0, false), run(15, false)], everOk: true }]]) });
    expect(f).toMatchObject({ kind: "check", brokenChannel: "pushover" });
  });

  it("takes a forward destination's first refusal, under the email room's own key", () => {
    const [f] = findDrift({ ...base, checks: new Map([["email-forward:urgent@x.test->ops@y.test", { runs: [run(0, false, "550 no such user")], everOk: true }]]) });
    expect(f).toMatchObject({ key: "email-forward:urgent@x.test:ops@y.test", kind: "forward" });
    expect(f!.text).toContain("550 no such user");
  });

  it("honours the configured number of failures in a row", () => {
    const checks = new Map([["c", { runs: [run(0, false), run(15, false)], everOk: true }]]);
    expect(keys({ checks, settings: { ...driftDefaults, failuresInARow: 3 } })).toEqual([]);
  });
});

describe("findDrift: secrets, cursors, silence", () => {
  it.each([
    { name: "a secret seen before and gone", input: { secretsSeen: ["A_TOKEN", "B_SECRET"], secretsNow: ["A_TOKEN"] }, want: ["drift:secret:B_SECRET"] },
    { name: "a new secret is not drift", input: { secretsSeen: [], secretsNow: ["A_TOKEN"] }, want: [] },
    { name: "a stream not polled for over an hour", input: { cursors: [{ stream: "x:mentions", lastPolledAt: min(61) }, { stream: "bluesky:dm", lastPolledAt: min(5) }] }, want: ["drift:cursor:x:mentions"] },
    { name: "a stream never polled yet", input: { cursors: [{ stream: "x:mentions", lastPolledAt: null }] }, want: [] },
    // 560 reports in 28 days: one every 1.2 h; the limit is max(6 × 1.2 h, 12 h) = 12 h.
    { name: "a busy channel silent far longer than usual", input: { traffic: [{ channel: "email", count: 560, lastAt: min(13 * 60) }] }, want: ["drift:silence:email"] },
    { name: "a busy channel silent for a usual while", input: { traffic: [{ channel: "email", count: 560, lastAt: min(11 * 60) }] }, want: [] },
    { name: "a quiet channel is never 'silent'", input: { traffic: [{ channel: "sms", count: 3, lastAt: min(20 * 24 * 60) }] }, want: [] },
  ])("$name", ({ input, want }) => {
    expect(keys(input)).toEqual(want);
  });
});

describe("the human-path schedule", () => {
  const weekly = { cron: "0 10 * * 2", timezone: "UTC", ackMinutes: 30 };
  it.each([
    { now: "2026-12-01T09:59:00Z", settings: weekly, want: null },
    { now: "2026-12-01T10:00:00Z", settings: weekly, want: "2026-12-01T10:00:00.000Z" },
    { now: "2026-12-01T15:59:00Z", settings: weekly, want: "2026-12-01T10:00:00.000Z" },
    { now: "2026-12-01T16:01:00Z", settings: weekly, want: null }, // missed by over 6 h: skipped, not sent late
    { now: "2026-12-01T09:30:00Z", settings: { ...weekly, timezone: "Europe/Amsterdam" }, want: "2026-12-01T09:00:00.000Z" },
    { now: "2026-12-01T10:00:00Z", settings: { ...weekly, cron: "not a cron" }, want: null },
  ])("$now ($settings.timezone, $settings.cron) → $want", ({ now, settings, want }) => {
    expect(dueSlot(settings, Date.parse(now))?.toISOString() ?? null).toBe(want);
  });

  it.each([
    { alert: { state: "acknowledged", acknowledgedAt: "2026-12-01T10:20:00Z" }, now: "2026-12-01T10:21:00Z", want: "acknowledged" },
    { alert: { state: "acknowledged", acknowledgedAt: "2026-12-01T10:40:00Z" }, now: "2026-12-01T10:41:00Z", want: "unacknowledged" },
    { alert: { state: "triggered", acknowledgedAt: null }, now: "2026-12-01T10:29:00Z", want: "waiting" },
    { alert: null, now: "2026-12-01T10:31:00Z", want: "unacknowledged" },
  ])("verdict at $now: $want", ({ alert, now, want }) => {
    expect(humanVerdict({ dueAt: "2026-12-01T10:30:00Z" }, alert, Date.parse(now))).toBe(want);
  });

  it("says it is a test, and how long there is to acknowledge", () => {
    const page = testPage(new Date("2026-12-01T10:00:00Z"), 30);
    expect(page.subject).toMatch(/^TEST PAGE/);
    expect(page.subject).toContain("Nothing is wrong");
    expect(page.text).toContain("within 30 minutes");
  });
});
