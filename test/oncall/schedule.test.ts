// Schedule maths, table-driven: hand-offs at wall-clock times in the rotation's zone, across
// daylight-saving changes (Europe/Amsterdam, America/New_York), overrides and gaps.
import { describe, expect, it } from "vitest";
import type { Rotation } from "../../functions/oncall/config";
import { gapsBetween, onCallAt, shiftsBetween, upcomingShifts } from "../../functions/oncall/schedule";
import { instantOfWall, wallClockAt } from "../../functions/platform/zoned-time.pure";
import { rotation } from "./fixtures";

const at = (iso: string) => new Date(iso);
const wall = (text: string) => Date.parse(`${text}Z`);

describe("wall clock <-> instant (Intl only)", () => {
  it.each([
    // zone, wall clock, expected instant, why
    ["Europe/Amsterdam", "2026-01-15T09:00", "2026-01-15T08:00:00.000Z", "winter, UTC+1"],
    ["Europe/Amsterdam", "2026-07-15T09:00", "2026-07-15T07:00:00.000Z", "summer, UTC+2"],
    ["Europe/Amsterdam", "2026-03-29T02:30", "2026-03-29T01:30:00.000Z", "spring gap: 02:30 does not exist, moved to 03:30 CEST"],
    ["Europe/Amsterdam", "2026-03-29T03:00", "2026-03-29T01:00:00.000Z", "first valid time after the gap"],
    ["Europe/Amsterdam", "2026-10-25T02:30", "2026-10-25T00:30:00.000Z", "autumn: 02:30 happens twice, the first one counts"],
    ["Europe/Amsterdam", "2026-10-25T03:00", "2026-10-25T02:00:00.000Z", "after the repeated hour"],
    ["America/New_York", "2026-03-08T02:30", "2026-03-08T07:30:00.000Z", "spring gap in New York: moved to 03:30 EDT"],
    ["America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00.000Z", "autumn: first 01:30 (EDT)"],
    ["America/New_York", "2026-11-01T09:00", "2026-11-01T14:00:00.000Z", "EST again"],
    ["UTC", "2026-03-29T02:30", "2026-03-29T02:30:00.000Z", "UTC has no changes"],
  ])("%s %s -> %s (%s)", (zone, local, expected) => {
    expect(new Date(instantOfWall(zone, wall(local))).toISOString()).toBe(expected);
  });

  it("reads the wall clock back at the repeated hour", () => {
    expect(new Date(wallClockAt("Europe/Amsterdam", Date.parse("2026-10-25T00:30:00Z"))).toISOString()).toBe("2026-10-25T02:30:00.000Z");
    expect(new Date(wallClockAt("Europe/Amsterdam", Date.parse("2026-10-25T01:30:00Z"))).toISOString()).toBe("2026-10-25T02:30:00.000Z");
  });
});

type Row = [string, Rotation, string, string | null];
const daily = rotation({ handoff: { every: "day", at: "09:00" }, start: "2026-03-01" });
const weekly = rotation({ handoff: { every: "week", day: "monday", at: "09:00" }, start: "2026-01-05" });
const nyDaily = rotation({ timezone: "America/New_York", handoff: { every: "day", at: "08:00" }, start: "2026-03-01" });
const split = rotation({
  members: ["alice", "bob", "carol"],
  handoff: { every: "custom", at: [{ day: "monday", time: "09:00" }, { day: "thursday", time: "17:00" }] },
  start: "2026-01-05",
});
const twelveHours = rotation({ handoff: { every: "custom", at: [{ time: "08:00" }, { time: "20:00" }] }, start: "2026-03-28" });
const nightHandoff = rotation({ handoff: { every: "day", at: "02:30" }, start: "2026-03-27" });

describe("who is on call at an instant", () => {
  it.each<Row>([
    ["daily: first shift starts at the first hand-off on the start date", daily, "2026-03-01T08:00:00Z", "alice"],
    ["daily: nobody before the first hand-off", daily, "2026-03-01T07:59:59Z", null],
    ["daily: second day", daily, "2026-03-02T08:00:00Z", "bob"],
    ["daily: one second before the hand-off", daily, "2026-03-02T07:59:59Z", "alice"],
    // Amsterdam goes to UTC+2 on 29 March: the 09:00 hand-off moves from 08:00Z to 07:00Z.
    ["daily: hand-off still at 09:00 local after spring change (07:00Z)", daily, "2026-03-30T07:00:00Z", "bob"],
    ["daily: 07:59Z on 30 March is already the new shift", daily, "2026-03-30T07:59:00Z", "bob"],
    ["daily: 06:59Z on 30 March is still the old shift", daily, "2026-03-30T06:59:00Z", "alice"],
    ["weekly: Monday 09:00 in winter", weekly, "2026-01-12T08:00:00Z", "bob"],
    ["weekly: the week after", weekly, "2026-01-19T08:00:00Z", "alice"],
    ["weekly: summer hand-off at 07:00Z", weekly, "2026-07-06T07:00:00Z", "alice"],
    ["weekly: summer 06:59Z is the previous week", weekly, "2026-07-06T06:59:00Z", "bob"],
    ["weekly: after the October change, 08:00Z", weekly, "2026-10-26T08:00:00Z", "alice"],
    ["weekly: 07:30Z on 26 Oct is still the previous week (08:30 local)", weekly, "2026-10-26T07:30:00Z", "bob"],
    ["New York daily 08:00 before its change (13:00Z)", nyDaily, "2026-03-07T13:00:00Z", "alice"],
    ["New York daily 08:00 EDT after its change (12:00Z)", nyDaily, "2026-03-08T12:00:00Z", "bob"],
    ["New York 12:30Z on 8 March is 08:30 EDT: new shift", nyDaily, "2026-03-08T12:30:00Z", "bob"],
    ["New York 11:59Z on 8 March is 07:59 EDT: old shift", nyDaily, "2026-03-08T11:59:00Z", "alice"],
    ["custom split week: Monday to Thursday", split, "2026-01-06T12:00:00Z", "alice"],
    ["custom split week: Thursday 17:00 passes on", split, "2026-01-08T16:00:00Z", "bob"],
    ["custom split week: third member next Monday", split, "2026-01-12T08:00:00Z", "carol"],
    ["custom split week: wraps to the first", split, "2026-01-15T16:00:00Z", "alice"],
    ["12-hour shifts: day shift", twelveHours, "2026-03-28T10:00:00Z", "alice"],
    ["12-hour shifts: night shift", twelveHours, "2026-03-28T20:00:00Z", "bob"],
    ["12-hour shifts: night across the spring change ends at 08:00 CEST", twelveHours, "2026-03-29T05:59:00Z", "bob"],
    ["12-hour shifts: day shift after the change", twelveHours, "2026-03-29T06:00:00Z", "alice"],
    ["02:30 hand-off on the day 02:30 does not exist happens at 03:30 CEST", nightHandoff, "2026-03-29T01:30:00Z", "alice"],
    ["... and not before", nightHandoff, "2026-03-29T01:29:00Z", "bob"],
  ])("%s", (_name, r, instant, expected) => {
    expect(onCallAt(r, at(instant))?.personId ?? null).toBe(expected);
  });
});

describe("shifts over a window", () => {
  it("a daily 09:00 rotation across the Amsterdam spring change has a 23-hour shift", () => {
    const shifts = shiftsBetween(daily, at("2026-03-28T08:00:00Z"), at("2026-03-31T07:00:00Z"));
    expect(shifts.map((s) => [s.personId, s.start.toISOString(), s.end.toISOString()])).toEqual([
      ["bob", "2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z"],
      ["alice", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"],
      ["bob", "2026-03-30T07:00:00.000Z", "2026-03-31T07:00:00.000Z"],
    ]);
    expect(shifts[0]!.end.getTime() - shifts[0]!.start.getTime()).toBe(23 * 3_600_000);
  });

  it("a daily 09:00 rotation across the Amsterdam autumn change has a 25-hour shift", () => {
    const r = rotation({ handoff: { every: "day", at: "09:00" }, start: "2026-10-24" });
    const [first, second] = shiftsBetween(r, at("2026-10-24T07:00:00Z"), at("2026-10-26T08:00:00Z"));
    expect([first!.start.toISOString(), first!.end.toISOString()]).toEqual(["2026-10-24T07:00:00.000Z", "2026-10-25T08:00:00.000Z"]);
    expect(first!.end.getTime() - first!.start.getTime()).toBe(25 * 3_600_000);
    expect(second!.personId).toBe("bob");
  });

  it("a 02:30 hand-off on the autumn day happens once, at the first 02:30", () => {
    const r = rotation({ handoff: { every: "day", at: "02:30" }, start: "2026-10-23" });
    const shifts = shiftsBetween(r, at("2026-10-24T00:30:00Z"), at("2026-10-26T01:30:00Z"));
    expect(shifts.map((s) => [s.personId, s.start.toISOString()])).toEqual([
      ["bob", "2026-10-24T00:30:00.000Z"],
      ["alice", "2026-10-25T00:30:00.000Z"],
    ]);
    // The second 02:30 (01:30Z, after clocks went back) is not a hand-off.
    expect(onCallAt(r, at("2026-10-25T01:45:00Z"))?.personId).toBe("alice");
  });

  it("clips shifts to the window and covers it without overlap", () => {
    const from = at("2026-03-20T12:00:00Z");
    const shifts = upcomingShifts(weekly, from);
    expect(shifts[0]!.start.toISOString()).toBe(from.toISOString());
    expect(shifts.at(-1)!.end.toISOString()).toBe("2026-04-03T12:00:00.000Z");
    for (let i = 1; i < shifts.length; i++) expect(shifts[i]!.start.getTime()).toBe(shifts[i - 1]!.end.getTime());
  });

  it("merges consecutive shifts of a one-person rotation", () => {
    const solo = rotation({ members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2026-01-01" });
    expect(upcomingShifts(solo, at("2026-03-20T00:00:00Z"))).toHaveLength(1);
  });
});

describe("overrides", () => {
  const withOverrides = rotation({
    handoff: { every: "week", day: "monday", at: "09:00" },
    start: "2026-01-05",
    overrides: [
      { person: "carol", start: "2026-03-28T18:00", end: "2026-03-29T08:00", note: "I take tonight" },
      { person: "dave", start: "2026-03-29T06:00:00Z", end: "2026-03-29T07:00:00Z" },
    ],
  });

  it.each<[string, string, string | null]>([
    ["before the override: the rotation", "2026-03-28T16:59:00Z", "bob"],
    ["wall-clock override starts at 18:00 CET (17:00Z)", "2026-03-28T17:00:00Z", "carol"],
    ["the override runs across the spring change", "2026-03-29T03:00:00Z", "carol"],
    ["a later override wins over an earlier one", "2026-03-29T06:30:00Z", "dave"],
    ["the wall-clock end is 08:00 CEST (06:00Z)... dave's override covers to 07:00Z", "2026-03-29T06:59:00Z", "dave"],
    ["after both: the rotation again", "2026-03-29T07:00:00Z", "bob"],
  ])("%s", (_name, instant, expected) => {
    expect(onCallAt(withOverrides, at(instant))?.personId ?? null).toBe(expected);
  });

  it("shows overrides in the shift list with their note, later wins", () => {
    const shifts = shiftsBetween(withOverrides, at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z"));
    expect(shifts.map((s) => [s.personId, s.source, s.start.toISOString(), s.end.toISOString(), s.note ?? null])).toEqual([
      ["bob", "rotation", "2026-03-28T12:00:00.000Z", "2026-03-28T17:00:00.000Z", null],
      ["carol", "override", "2026-03-28T17:00:00.000Z", "2026-03-29T06:00:00.000Z", "I take tonight"],
      ["dave", "override", "2026-03-29T06:00:00.000Z", "2026-03-29T07:00:00.000Z", null],
      ["bob", "rotation", "2026-03-29T07:00:00.000Z", "2026-03-29T12:00:00.000Z", null],
    ]);
  });

  it("an override fills a gap before the rotation starts", () => {
    const r = rotation({ handoff: { every: "day", at: "09:00" }, start: "2026-05-01", overrides: [{ person: "carol", start: "2026-04-30T00:00", end: "2026-05-01T09:00" }] });
    expect(onCallAt(r, at("2026-04-30T12:00:00Z"))?.personId).toBe("carol");
    // The override starts at 00:00 CEST (22:00Z the day before) and hands over to the rotation.
    expect(gapsBetween(r, at("2026-04-29T20:00:00Z"), at("2026-05-02T00:00:00Z")).map((g) => [g.start.toISOString(), g.end.toISOString()])).toEqual([
      ["2026-04-29T20:00:00.000Z", "2026-04-29T22:00:00.000Z"],
    ]);
  });
});

describe("gaps", () => {
  it("finds the stretch before a rotation starts and after it ends", () => {
    const r = rotation({ handoff: { every: "day", at: "09:00" }, start: "2026-06-10", end: "2026-06-12" });
    const gaps = gapsBetween(r, at("2026-06-09T00:00:00Z"), at("2026-06-14T00:00:00Z"));
    expect(gaps.map((g) => [g.start.toISOString(), g.end.toISOString()])).toEqual([
      ["2026-06-09T00:00:00.000Z", "2026-06-10T07:00:00.000Z"],
      ["2026-06-12T07:00:00.000Z", "2026-06-14T00:00:00.000Z"],
    ]);
    expect(onCallAt(r, at("2026-06-12T06:59:00Z"))?.personId).toBe("bob");
    expect(onCallAt(r, at("2026-06-12T07:00:00Z"))).toBeNull();
  });

  it("a running rotation has no gap in the next 14 days", () => {
    expect(gapsBetween(weekly, at("2026-03-20T00:00:00Z"), at("2026-04-03T00:00:00Z"))).toEqual([]);
  });
});
