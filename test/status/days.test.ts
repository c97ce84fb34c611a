import { describe, expect, it } from "vitest";
import { addDays, addMonths, lastLocalDays, localDateKey, startOfLocalDay, zoneOffsetMs } from "../../functions/status/days.pure";

const H = 3_600_000;

describe("startOfLocalDay: the first instant of a local date", () => {
  const cases: Array<[string, string, string, number]> = [
    // zone, date, first instant (UTC), length of that day in hours
    ["Europe/Amsterdam", "2026-11-28", "2026-11-27T23:00:00.000Z", 24],
    ["Europe/Amsterdam", "2026-07-01", "2026-06-30T22:00:00.000Z", 24],
    ["Europe/Amsterdam", "2026-03-29", "2026-03-28T23:00:00.000Z", 23], // spring forward at 02:00
    ["Europe/Amsterdam", "2026-10-25", "2026-10-24T22:00:00.000Z", 25], // fall back at 03:00
    ["America/New_York", "2026-03-08", "2026-03-08T05:00:00.000Z", 23],
    ["America/New_York", "2026-11-01", "2026-11-01T04:00:00.000Z", 25],
    ["UTC", "2026-02-28", "2026-02-28T00:00:00.000Z", 24],
    ["Asia/Kolkata", "2026-01-01", "2025-12-31T18:30:00.000Z", 24],
    ["Australia/Lord_Howe", "2026-04-05", "2026-04-04T13:00:00.000Z", 24.5], // half-hour DST change
    ["America/Santiago", "2026-09-06", "2026-09-06T04:00:00.000Z", 23], // midnight does not exist: the day starts at 01:00
  ];
  it.each(cases)("%s %s starts at %s and lasts %d h", (zone, date, first, hours) => {
    const start = startOfLocalDay(date, zone);
    expect(new Date(start).toISOString()).toBe(first);
    expect(localDateKey(start, zone)).toBe(date);
    expect(localDateKey(start - 1, zone)).toBe(addDays(date, -1));
    expect((startOfLocalDay(addDays(date, 1), zone) - start) / H).toBe(hours);
  });
});

describe("localDateKey and zoneOffsetMs", () => {
  const cases: Array<[string, string, string, number]> = [
    ["2026-11-27T23:30:00Z", "Europe/Amsterdam", "2026-11-28", 1],
    ["2026-11-27T22:59:59Z", "Europe/Amsterdam", "2026-11-27", 1],
    ["2026-07-01T21:59:00Z", "Europe/Amsterdam", "2026-07-01", 2],
    ["2026-07-01T03:00:00Z", "America/Los_Angeles", "2026-06-30", -7],
    ["2026-12-31T23:59:59Z", "UTC", "2026-12-31", 0],
  ];
  it.each(cases)("%s in %s is %s (UTC%+d)", (iso, zone, key, offsetHours) => {
    expect(localDateKey(Date.parse(iso), zone)).toBe(key);
    expect(zoneOffsetMs(Date.parse(iso), zone)).toBe(offsetHours * H);
  });
});

describe("date arithmetic", () => {
  it.each([
    ["2026-03-01", -1, "2026-02-28"],
    ["2024-03-01", -1, "2024-02-29"],
    ["2026-12-31", 1, "2027-01-01"],
    ["2026-11-28", -89, "2026-08-31"],
  ] as const)("%s %+d days is %s", (from, n, to) => expect(addDays(from, n)).toBe(to));
  it.each([
    ["2026-11", -3, "2026-08"],
    ["2026-01", -1, "2025-12"],
    ["2026-12", 1, "2027-01"],
  ] as const)("%s %+d months is %s", (from, n, to) => expect(addMonths(from, n)).toBe(to));
});

describe("lastLocalDays", () => {
  it("gives 90 contiguous local days ending today, across a DST change", () => {
    const now = Date.parse("2026-11-28T10:00:00Z");
    const days = lastLocalDays(now, "Europe/Amsterdam", 90);
    expect(days).toHaveLength(90);
    expect(days[89]!.date).toBe("2026-11-28");
    expect(days[0]!.date).toBe("2026-08-31");
    for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
    const long = days.find((d) => d.date === "2026-10-25")!;
    expect((long.end - long.start) / H).toBe(25);
    expect(days[89]!.start).toBeLessThanOrEqual(now);
    expect(days[89]!.end).toBeGreaterThan(now);
  });
  it("cuts the day at local midnight, not UTC midnight", () => {
    // 23:30 UTC on the 27th is already the 28th in Amsterdam.
    const days = lastLocalDays(Date.parse("2026-11-27T23:30:00Z"), "Europe/Amsterdam", 1);
    expect(days[0]!.date).toBe("2026-11-28");
  });
});
