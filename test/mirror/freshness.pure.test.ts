// Is the mirror fresh (functions/mirror/freshness.pure.ts): its summary.json against the live one.
import { describe, expect, it } from "vitest";
import { freshnessVerdict, summaryDifferences } from "../../functions/mirror/freshness.pure";

const summary = (over: Record<string, unknown> = {}) => ({
  page: { url: "https://status.example.com", updated_at: "2026-12-01T10:00:00.000Z" },
  status: { indicator: "minor", description: "Minor Service Outage" },
  components: [{ id: "cmp_web", name: "Web", status: "partial_outage" }],
  incidents: [{ id: "inc_1", name: "Web slow", status: "investigating", updated_at: "2026-12-01T10:00:00.000Z", shortlink: "https://status.example.com/incidents/inc_1" }],
  scheduled_maintenances: [],
  ...over,
});

describe("summaryDifferences", () => {
  it("finds none when only the addresses differ", () => {
    const mirror = summary({ page: { url: "https://status.example.net", updated_at: "2026-12-01T10:00:00.000Z" } });
    (mirror.incidents as Array<{ shortlink: string }>)[0]!.shortlink = "https://status.example.net/incidents/inc_1";
    expect(summaryDifferences(summary(), mirror)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["the overall status", { status: { indicator: "none" } }, /overall status is "minor" live but "none"/],
    ["a component's status", { components: [{ id: "cmp_web", status: "operational" }] }, /Component cmp_web is "partial_outage" live but "operational"/],
    ["an incident missing", { incidents: [] }, /Incident inc_1 \("Web slow"\) is missing/],
    ["an incident's newer update", { incidents: [{ id: "inc_1", status: "investigating", updated_at: "2026-12-01T09:00:00.000Z" }] }, /Incident inc_1 has an update/],
    ["an incident resolved live", { incidents: [...summary().incidents, { id: "inc_0", status: "investigating" }] }, /Incident inc_0 is on the mirror but no longer live/],
  ])("finds %s", (_name, mirrorOver, pattern) => {
    expect(summaryDifferences(summary(), summary(mirrorOver)).join(" ")).toMatch(pattern);
  });
});

describe("freshnessVerdict", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
  it.each<[string, string[], string | null, string | null, string]>([
    ["the same, synced 10 minutes ago", [], minutesAgo(120), minutesAgo(10), "pass"],
    ["the same, but not synced for 3 hours", [], minutesAgo(300), minutesAgo(180), "warn"],
    ["the same, but no manifest", [], minutesAgo(300), null, "warn"],
    ["different, the live change 2 minutes old", ["x"], minutesAgo(2), minutesAgo(30), "warn"],
    ["different, the live change 20 minutes old", ["x"], minutesAgo(20), minutesAgo(30), "fail"],
    ["different and not synced for 3 hours", ["x"], minutesAgo(200), minutesAgo(180), "fail"],
  ])("%s: %s", (_name, differences, liveUpdatedAt, syncedAt, verdict) => {
    expect(freshnessVerdict({ differences, liveUpdatedAt, syncedAt, now }).verdict).toBe(verdict);
  });
});
