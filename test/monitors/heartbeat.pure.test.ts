// Heartbeat schedules and verdicts with a controlled clock, across daylight-saving changes,
// for both schedule kinds; the ping actions; the body kept as a log.
import { describe, expect, it } from "vitest";
import type { HeartbeatSchedule } from "../../functions/monitors/config.pure";
import { heartbeatVerdict, nextExpectedAt, parsePingAction, sanitizePingBody, type HeartbeatTimes } from "../../functions/monitors/heartbeat.pure";

const at = (iso: string) => new Date(iso);
const times = (lastSuccess: string | null, extra: Partial<HeartbeatTimes> = {}): HeartbeatTimes => ({
  referenceAt: at("2026-01-01T00:00:00Z"),
  lastSuccessAt: lastSuccess ? at(lastSuccess) : null,
  lastStartAt: null,
  lastFailAt: null,
  ...extra,
});

const daily0230: HeartbeatSchedule = { kind: "cron", cron: "30 2 * * *", timezone: "Europe/Amsterdam", grace: 1800 };
const every24h: HeartbeatSchedule = { kind: "period", period: 86_400, grace: 1800 };

describe("nextExpectedAt", () => {
  it.each<[string, HeartbeatSchedule, string, string]>([
    ["period: plain addition", { kind: "period", period: 300, grace: 60 }, "2026-03-29T00:58:00Z", "2026-03-29T01:03:00.000Z"],
    ["cron in winter: 02:30 CET is 01:30 UTC", daily0230, "2026-03-27T02:00:00Z", "2026-03-28T01:30:00.000Z"],
    ["cron on the spring-forward night: 02:30 does not exist, run at 03:00 CEST", daily0230, "2026-03-28T01:35:00Z", "2026-03-29T01:00:00.000Z"],
    ["cron the day after: 02:30 CEST is 00:30 UTC", daily0230, "2026-03-29T01:05:00Z", "2026-03-30T00:30:00.000Z"],
    ["cron on the autumn night: the first 02:30 (CEST)", daily0230, "2026-10-24T00:35:00Z", "2026-10-25T00:30:00.000Z"],
    ["cron after the autumn change: 02:30 CET", daily0230, "2026-10-25T00:35:00Z", "2026-10-26T01:30:00.000Z"],
    ["cron in New York across its spring change", { kind: "cron", cron: "0 2 * * *", timezone: "America/New_York", grace: 600 }, "2026-03-07T07:05:00Z", "2026-03-08T07:00:00.000Z"],
  ])("%s", (_n, schedule, after, expected) => {
    expect(nextExpectedAt(schedule, at(after)).toISOString()).toBe(expected);
  });
});

describe("heartbeatVerdict across daylight-saving changes", () => {
  // A job run by the server's cron at 02:30 Amsterdam time pings when done, a few minutes later.
  it("cron schedule, spring: the run moved to 03:00 CEST is not late; a missing one is, 30 min after", () => {
    const last = "2026-03-28T01:33:00Z"; // Saturday's run (02:33 CET)
    expect(heartbeatVerdict(daily0230, times(last), at("2026-03-29T01:29:00Z")).late).toBe(false);
    expect(heartbeatVerdict(daily0230, times(last), at("2026-03-29T01:30:00Z")).late).toBe(false);
    const missed = heartbeatVerdict(daily0230, times(last), at("2026-03-29T01:30:01Z"));
    expect(missed).toMatchObject({ late: true, expectedAt: at("2026-03-29T01:00:00Z"), deadline: at("2026-03-29T01:30:00Z") });
    expect(missed.reason).toBe("No ping by 2026-03-29 01:30Z UTC (expected at 2026-03-29 01:00Z plus grace); the last success ping was at 2026-03-28 01:33Z UTC.");
    // The late run pings at 03:05 CEST: not late any more, next expected Monday 02:30 CEST.
    expect(heartbeatVerdict(daily0230, times("2026-03-29T01:05:00Z"), at("2026-03-29T01:31:00Z"))).toMatchObject({ late: false, expectedAt: at("2026-03-30T00:30:00Z") });
  });

  it("cron schedule, autumn: the 25-hour night is no reason to be late", () => {
    const sunday = "2026-10-25T00:33:00Z"; // 02:33 CEST, first pass
    expect(heartbeatVerdict(daily0230, times(sunday), at("2026-10-26T01:55:00Z")).late).toBe(false); // Monday 02:55 CET
    expect(heartbeatVerdict(daily0230, times(sunday), at("2026-10-26T02:00:01Z")).late).toBe(true);
  });

  it("period schedule, autumn: 24 h + 30 min grace is too tight for a wall-clock job on the 25-hour night", () => {
    const sunday = "2026-10-25T00:33:00Z";
    // The job runs at 02:30 CET on Monday = 01:30 UTC, 25 h later: the period schedule calls it late.
    expect(heartbeatVerdict(every24h, times(sunday), at("2026-10-26T01:03:01Z")).late).toBe(true);
    // ...and its ping recovers it (the verdict from that ping on is fine again).
    expect(heartbeatVerdict(every24h, times("2026-10-26T01:33:00Z"), at("2026-10-26T02:00:00Z")).late).toBe(false);
  });

  it("period schedule, spring: a 23-hour night only makes the ping early", () => {
    expect(heartbeatVerdict(every24h, times("2026-03-28T01:33:00Z"), at("2026-03-29T01:05:00Z")).late).toBe(false);
    expect(heartbeatVerdict(every24h, times("2026-03-28T01:33:00Z"), at("2026-03-29T02:03:01Z")).late).toBe(true);
  });

  it("a heartbeat that never pinged is late from when watching began", () => {
    const v = heartbeatVerdict({ kind: "period", period: 300, grace: 60 }, times(null, { referenceAt: at("2026-12-01T10:00:00Z") }), at("2026-12-01T10:06:01Z"));
    expect(v.late).toBe(true);
    expect(v.reason).toContain("no success ping has come in yet");
  });

  it("a run that started and never finished is late after the grace", () => {
    const s: HeartbeatSchedule = { kind: "period", period: 3600, grace: 600 };
    const t = times("2026-12-01T09:30:00Z", { lastStartAt: at("2026-12-01T10:00:00Z") });
    expect(heartbeatVerdict(s, t, at("2026-12-01T10:09:00Z")).late).toBe(false);
    expect(heartbeatVerdict(s, t, at("2026-12-01T10:10:01Z")).reason).toBe("A run started at 2026-12-01 10:00Z UTC and has not finished within the grace of 600 s.");
    // A failure ping ends the run: no "started but never finished" then.
    expect(heartbeatVerdict(s, { ...t, lastFailAt: at("2026-12-01T10:05:00Z") }, at("2026-12-01T10:10:01Z")).late).toBe(false);
  });
});

describe("parsePingAction", () => {
  it.each<[string | undefined, ReturnType<typeof parsePingAction>]>([
    [undefined, { kind: "success", exitStatus: null }],
    ["start", { kind: "start", exitStatus: null }],
    ["fail", { kind: "fail", exitStatus: null }],
    ["0", { kind: "success", exitStatus: 0 }],
    ["1", { kind: "fail", exitStatus: 1 }],
    ["255", { kind: "fail", exitStatus: 255 }],
    ["256", null],
    ["-1", null],
    ["log", null],
    ["FAIL", null],
    ["0001", null],
  ])("%s", (segment, expected) => {
    expect(parsePingAction(segment)).toEqual(expected);
  });
});

describe("sanitizePingBody", () => {
  it("keeps text, newlines and tabs; drops terminal escapes, NULs and bidi overrides", () => {
    expect(sanitizePingBody("disk /var 97%\r\n\u001b[31mALERT\u001b[0m\u0000\ttab\u202Eevil")).toEqual({ body: "disk /var 97%\n[31mALERT[0m\ttabevil", truncated: false });
  });

  it("cuts at 10 KB of UTF-8 without splitting a character", () => {
    const text = "é".repeat(6000); // 12,000 bytes
    const { body, truncated } = sanitizePingBody(text);
    expect(truncated).toBe(true);
    expect(new TextEncoder().encode(body).byteLength).toBeLessThanOrEqual(10 * 1024);
    expect(body).toBe("é".repeat(5120));
  });
});
