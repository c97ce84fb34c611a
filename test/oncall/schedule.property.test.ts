// Properties of the schedule maths over random rotations, zones and windows: the shifts tile
// the window exactly, every hand-off happens at the configured wall-clock time (or just after a
// daylight-saving gap), and onCallAt agrees with the shift list at every instant.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { weekdays, type Rotation } from "../../functions/oncall/config";
import { onCallAt, shiftsBetween } from "../../functions/oncall/schedule";
import { HOUR, instantOfWall, wallClockAt } from "../../functions/platform/zoned-time.pure";

const zones = ["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham", "UTC"];
const anyTime = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
// Night times are where daylight-saving changes happen: pick them often.
const time = fc.oneof(anyTime, fc.constantFrom("00:00", "01:30", "02:00", "02:30", "03:00"));
const handoff = fc.oneof(
  time.map((at) => ({ every: "day" as const, at })),
  fc.tuple(fc.constantFrom(...weekdays), time).map(([day, at]) => ({ every: "week" as const, day, at })),
  fc.array(fc.record({ day: fc.option(fc.constantFrom(...weekdays), { nil: undefined }), time }), { minLength: 1, maxLength: 4 }).map((at) => ({
    every: "custom" as const,
    at: at.map((p) => (p.day === undefined ? { time: p.time } : { day: p.day, time: p.time })),
  })),
);
const rotationArb = fc.record({
  timezone: fc.constantFrom(...zones),
  members: fc.array(fc.constantFrom("alice", "bob", "carol", "dave"), { minLength: 1, maxLength: 4 }),
  handoff,
  startDay: fc.integer({ min: 0, max: 700 }),
});
// Windows in 2026 and 2027, so every zone's changes are crossed often.
const windowArb = fc.tuple(fc.integer({ min: 0, max: 700 * 24 }), fc.integer({ min: 1, max: 20 * 24 }));
const BASE = Date.parse("2026-01-01T00:00:00Z");

function build(r: { timezone: string; members: string[]; handoff: Rotation["handoff"]; startDay: number }): Rotation {
  return { id: "p", timezone: r.timezone, members: r.members, handoff: r.handoff, start: new Date(BASE + r.startDay * 24 * HOUR).toISOString().slice(0, 10), overrides: [] };
}

function handoffMinutes(h: Rotation["handoff"]): Set<string> {
  if (h.every === "day" || h.every === "week") return new Set([h.at]);
  return new Set(h.at.map((p) => p.time));
}

describe("schedule properties", () => {
  it("shifts never overlap, stay in the window, and hand off at the configured wall-clock time", () => {
    fc.assert(
      fc.property(rotationArb, windowArb, (r, [offsetHours, lengthHours]) => {
        const rotation = build(r);
        const from = new Date(BASE + offsetHours * HOUR);
        const to = new Date(from.getTime() + lengthHours * HOUR);
        const shifts = shiftsBetween(rotation, from, to);
        const allowed = handoffMinutes(rotation.handoff);
        for (let i = 0; i < shifts.length; i++) {
          const s = shifts[i]!;
          expect(s.start.getTime()).toBeLessThan(s.end.getTime());
          expect(s.start.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(s.end.getTime()).toBeLessThanOrEqual(to.getTime());
          if (i > 0) expect(s.start.getTime()).toBeGreaterThanOrEqual(shifts[i - 1]!.end.getTime());
          if (s.start.getTime() > from.getTime()) {
            // A hand-off is the instant of a configured wall-clock time on its local date (a
            // time that a spring-forward gap swallowed happens just after the gap).
            const localDate = new Date(wallClockAt(rotation.timezone, s.start.getTime())).toISOString().slice(0, 10);
            const matches = [...allowed].some((hm) => instantOfWall(rotation.timezone, Date.parse(`${localDate}T${hm}:00Z`)) === s.start.getTime());
            expect(matches, `${rotation.timezone} hand-off at ${s.start.toISOString()}, expected one of ${[...allowed].join(",")}`).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("onCallAt agrees with the shift list at random instants", () => {
    fc.assert(
      fc.property(rotationArb, windowArb, fc.double({ min: 0, max: 1, noNaN: true }), (r, [offsetHours, lengthHours], where) => {
        const rotation = build(r);
        const from = new Date(BASE + offsetHours * HOUR);
        const to = new Date(from.getTime() + lengthHours * HOUR);
        const t = new Date(Math.min(to.getTime() - 1, from.getTime() + Math.floor(where * (to.getTime() - from.getTime()))));
        const listed = shiftsBetween(rotation, from, to).find((s) => s.start <= t && t < s.end);
        expect(onCallAt(rotation, t)?.personId ?? null).toBe(listed?.personId ?? null);
      }),
      { numRuns: 300 },
    );
  });

  it("with one member and a start in the past there is never a gap", () => {
    fc.assert(
      fc.property(rotationArb, windowArb, (r, [offsetHours, lengthHours]) => {
        const rotation = { ...build({ ...r, startDay: 0 }), members: ["alice"], start: "2025-06-01" };
        const from = new Date(BASE + offsetHours * HOUR);
        const shifts = shiftsBetween(rotation, from, new Date(from.getTime() + lengthHours * HOUR));
        expect(shifts).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});
