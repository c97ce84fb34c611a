import { describe, expect, it } from "vitest";
import type { ComponentStatus } from "../../contract/status";
import { lastLocalDays, type LocalDay } from "../../functions/status/days.pure";
import { dailyHistory, uptimePercent, type StatusChangePoint } from "../../functions/status/uptime.pure";

const H = 3_600_000;
const day = (date: string, start: string, hours = 24): LocalDay => ({ date, start: Date.parse(start), end: Date.parse(start) + hours * H });
const at = (iso: string, to: ComponentStatus): StatusChangePoint => ({ at: Date.parse(iso), to });

describe("dailyHistory: one day", () => {
  const d = day("2026-11-10", "2026-11-10T00:00:00Z");
  const end = "2026-11-11T12:00:00Z";
  const cases: Array<[string, StatusChangePoint[], ComponentStatus | null, number, number]> = [
    // name, changes, worst, observed hours, downtime hours
    ["operational all day", [at("2026-11-01T00:00:00Z", "operational")], "operational", 24, 0],
    ["no record yet: not observed", [], null, 0, 0],
    ["created at noon: only the afternoon counts", [at("2026-11-10T12:00:00Z", "operational")], "operational", 12, 0],
    [
      "a 2 h major outage is 2 h down",
      [at("2026-11-01T00:00:00Z", "operational"), at("2026-11-10T08:00:00Z", "major_outage"), at("2026-11-10T10:00:00Z", "operational")],
      "major_outage",
      24,
      2,
    ],
    [
      "a 10 h partial outage counts 30 %: 3 h down",
      [at("2026-11-01T00:00:00Z", "operational"), at("2026-11-10T08:00:00Z", "partial_outage"), at("2026-11-10T18:00:00Z", "operational")],
      "partial_outage",
      24,
      3,
    ],
    [
      "degraded performance is not downtime, but colours the day",
      [at("2026-11-01T00:00:00Z", "operational"), at("2026-11-10T08:00:00Z", "degraded_performance"), at("2026-11-10T09:00:00Z", "operational")],
      "degraded_performance",
      24,
      0,
    ],
    [
      "maintenance is not downtime",
      [at("2026-11-01T00:00:00Z", "operational"), at("2026-11-10T01:00:00Z", "under_maintenance"), at("2026-11-10T03:00:00Z", "operational")],
      "under_maintenance",
      24,
      0,
    ],
    [
      "an outage spanning midnight counts in each day for its own part",
      [at("2026-11-01T00:00:00Z", "operational"), at("2026-11-10T22:00:00Z", "major_outage"), at("2026-11-11T01:00:00Z", "operational")],
      "major_outage",
      24,
      2,
    ],
    [
      "the worst status wins even when short",
      [
        at("2026-11-01T00:00:00Z", "degraded_performance"),
        at("2026-11-10T05:00:00Z", "major_outage"),
        at("2026-11-10T05:06:00Z", "degraded_performance"),
      ],
      "major_outage",
      24,
      0.1,
    ],
    ["changes out of order are sorted", [at("2026-11-10T12:00:00Z", "operational"), at("2026-11-01T00:00:00Z", "major_outage")], "major_outage", 24, 12],
  ];
  it.each(cases)("%s", (_name, changes, worst, observedHours, downHours) => {
    const [h] = dailyHistory({ changes, days: [d], now: Date.parse(end) });
    expect(h!.worst).toBe(worst);
    expect(h!.observedMs / H).toBeCloseTo(observedHours, 6);
    expect(h!.downtimeMs / H).toBeCloseTo(downHours, 6);
  });

  it("today counts only up to now", () => {
    const [h] = dailyHistory({ changes: [at("2026-11-01T00:00:00Z", "operational")], days: [d], now: Date.parse("2026-11-10T06:00:00Z") });
    expect(h!.observedMs / H).toBe(6);
  });

  it("observedFrom cuts off time before the component's start date", () => {
    const [h] = dailyHistory({
      changes: [at("2026-11-01T00:00:00Z", "major_outage")],
      days: [d],
      now: Date.parse(end),
      observedFrom: Date.parse("2026-11-10T20:00:00Z"),
    });
    expect(h!.observedMs / H).toBe(4);
  });

  it("a 25-hour day (DST end) is observed for 25 hours", () => {
    const days = lastLocalDays(Date.parse("2026-10-26T12:00:00Z"), "Europe/Amsterdam", 2);
    const [h] = dailyHistory({ changes: [at("2026-10-01T00:00:00Z", "operational")], days, now: Date.parse("2026-10-26T12:00:00Z") });
    expect(h!.date).toBe("2026-10-25");
    expect(h!.observedMs / H).toBe(25);
  });
});

describe("uptimePercent", () => {
  const mk = (observedH: number, downH: number) => ({ date: "x", worst: "operational" as const, durations: {}, observedMs: observedH * H, downtimeMs: downH * H });
  const cases: Array<[string, ReturnType<typeof mk>[], number | null]> = [
    ["nothing observed", [], null],
    ["no downtime", [mk(24, 0), mk(24, 0)], 100],
    ["one hour in 100", [mk(50, 1), mk(50, 0)], 99],
    ["any downtime never shows 100", [mk(24 * 90, 0.01)], 99.99],
    ["half down", [mk(24, 12)], 50],
  ];
  it.each(cases)("%s", (_name, days, expected) => expect(uptimePercent(days)).toBe(expected));
});
