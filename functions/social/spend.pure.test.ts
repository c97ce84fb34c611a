// Pricing X's usage, projecting the month, and the cap.
import { describe, expect, it } from "vitest";
import { socialDefaults } from "./config";
import { estimateSpend, monthBounds, monthOf } from "./spend.pure";

const prices = socialDefaults.prices;

describe("estimateSpend", () => {
  it.each([
    { name: "nothing used", counts: {}, now: "2026-12-16T00:00:00Z", cap: 25, spent: 0, projected: 0, reached: false },
    {
      name: "half a month of a storm",
      counts: { post_read: 2000, user_read: 2000, post_create: 20, post_create_url: 10, dm_create: 40, dm_read: 50 },
      now: "2026-12-16T12:00:00Z",
      cap: 25,
      spent: 10 + 20 + 0.3 + 2 + 0.6 + 0.5,
      projected: 33.4 * (31 / 15.5),
      reached: true,
    },
    { name: "no cap", counts: { post_read: 100000 }, now: "2026-12-02T00:00:00Z", cap: null, spent: 500, projected: 500 * 31, reached: false },
    { name: "exactly at the cap", counts: { post_create_url: 125 }, now: "2026-12-31T00:00:00Z", cap: 25, spent: 25, projected: 25 * (31 / 30), reached: true },
  ])("$name", ({ counts, now, cap, spent, projected, reached }) => {
    const e = estimateSpend(counts, prices, new Date(now), cap);
    expect(e.spentUsd).toBeCloseTo(spent, 3);
    expect(e.projectedUsd).toBeCloseTo(projected, 1);
    expect(e.capReached).toBe(reached);
    expect(e.month).toBe(now.slice(0, 7));
  });

  it("does not project a month from its first hours: a busy first minute is not a month of them", () => {
    const e = estimateSpend({ post_create_url: 10 }, prices, new Date("2026-12-01T00:05:00Z"), null);
    expect(e.spentUsd).toBe(2);
    expect(e.projectedUsd).toBeCloseTo(2 * 31, 1); // from one day at least
  });

  it("counts reads and writes apart", () => {
    const e = estimateSpend({ post_read: 3, user_read: 2, dm_read: 1, post_create: 4, dm_create: 5 }, prices, new Date("2026-12-10T00:00:00Z"), null);
    expect({ reads: e.reads, writes: e.writes }).toEqual({ reads: 6, writes: 9 });
  });
});

describe("months", () => {
  it.each([
    { now: "2026-12-31T23:59:59Z", month: "2026-12", start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z" },
    { now: "2028-02-10T00:00:00Z", month: "2028-02", start: "2028-02-01T00:00:00.000Z", end: "2028-03-01T00:00:00.000Z" },
  ])("$now is in $month", ({ now, month, start, end }) => {
    expect(monthOf(new Date(now))).toBe(month);
    const b = monthBounds(new Date(now));
    expect([b.start.toISOString(), b.end.toISOString()]).toEqual([start, end]);
  });
});
