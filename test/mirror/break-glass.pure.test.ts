// The break-glass log and the places a post goes (functions/mirror/break-glass.pure.ts).
import { describe, expect, it } from "vitest";
import {
  breakGlassIncidents,
  incidentToContinue,
  MAX_ENTRIES,
  mergeEntries,
  parseBreakGlassLog,
  replaceBetween,
  replaceIndicator,
  type BreakGlassEntry,
} from "../../functions/mirror/break-glass.pure";

const entry = (over: Partial<BreakGlassEntry> = {}): BreakGlassEntry => ({
  id: "upd_bgaaaaaaaaaaaa",
  incident: "inc_bgaaaaaaaaaaaa",
  at: "2026-12-01T10:00:00.000Z",
  name: "Edge provider down",
  status: "investigating",
  impact: "major",
  body: "Our edge provider is down; we are on it.",
  ...over,
});

describe("parseBreakGlassLog: whoever can write the bucket can write this file", () => {
  it("reads valid entries", () => {
    const { log, problems } = parseBreakGlassLog(JSON.stringify({ format: 1, entries: [entry()] }));
    expect(problems).toEqual([]);
    expect(log.entries).toEqual([entry()]);
  });

  it.each<[string, unknown, string]>([
    ["an id that is not a break-glass id", entry({ id: "upd_123" }), "id"],
    ["an incident id that could name a staff incident", entry({ incident: "inc_demo_mail_delay" }), "incident"],
    ["a status staff cannot post", { ...entry(), status: "postmortem" }, "status"],
    ["a maintenance impact", { ...entry(), impact: "maintenance" }, "impact"],
    ["an empty text", entry({ body: "   " }), "body"],
    ["a time that is not one", entry({ at: "yesterday" }), "at"],
    ["a field the format does not have", { ...entry(), components: { cmp_web: "major_outage" } }, "entry"],
    ["a title over 200 characters", entry({ name: "x".repeat(201) }), "name"],
  ])("refuses %s, keeps the rest and says why", (_name, bad, field) => {
    const good = entry({ id: "upd_bgbbbbbbbbbbbb" });
    const { log, problems } = parseBreakGlassLog(JSON.stringify({ format: 1, entries: [bad, good] }));
    expect(log.entries).toEqual([good]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(field);
  });

  it("normalises text as the staff API does (control and bidi characters out)", () => {
    const { log } = parseBreakGlassLog(JSON.stringify({ format: 1, entries: [entry({ body: "Down\u202e again\u0007" })] }));
    expect(log.entries[0]!.body).toBe("Down again");
  });

  it.each([
    ["no file", null, 0],
    ["not JSON", "{", 1],
    ["no entries list", JSON.stringify({ format: 1 }), 1],
  ])("%s: no entries", (_name, text, problemCount) => {
    const { log, problems } = parseBreakGlassLog(text);
    expect(log.entries).toEqual([]);
    expect(problems).toHaveLength(problemCount);
  });

  it(`reads at most ${MAX_ENTRIES} entries, and one id once`, () => {
    const many = Array.from({ length: MAX_ENTRIES + 5 }, (_, i) => entry({ id: `upd_bg${String(i).padStart(12, "0")}` }));
    const { log, problems } = parseBreakGlassLog(JSON.stringify({ format: 1, entries: [entry(), entry(), ...many] }));
    expect(log.entries.length).toBeLessThanOrEqual(MAX_ENTRIES);
    expect(new Set(log.entries.map((e) => e.id)).size).toBe(log.entries.length);
    expect(problems.join(" ")).toContain(`first ${MAX_ENTRIES}`);
  });
});

describe("entries as incidents", () => {
  const a1 = entry({ id: "upd_bga00000000001", incident: "inc_bga00000000000", at: "2026-12-01T10:00:00.000Z", name: "A" });
  const a2 = entry({ id: "upd_bga00000000002", incident: "inc_bga00000000000", at: "2026-12-01T11:00:00.000Z", status: "monitoring", impact: "minor", body: "Better." });
  const b1 = entry({ id: "upd_bgb00000000001", incident: "inc_bgb00000000000", at: "2026-12-01T10:30:00.000Z", name: "B", status: "resolved" });

  it("merges the logs of several targets by id, oldest first", () => {
    expect(mergeEntries([{ format: 1, entries: [a2, b1] }, { format: 1, entries: [a1, a2] }]).map((e) => e.id)).toEqual([a1.id, b1.id, a2.id]);
  });

  it("groups updates by incident, newest update first, status and impact of the latest", () => {
    const [a, b] = breakGlassIncidents([a1, b1, a2]);
    expect(a).toMatchObject({ id: a1.incident, name: "A", status: "monitoring", impact: "minor", startedAt: a1.at, updatedAt: a2.at, monitoringAt: a2.at, resolvedAt: null });
    expect(a!.updates.map((u) => u.id)).toEqual([a2.id, a1.id]);
    expect(b).toMatchObject({ id: b1.incident, status: "resolved", resolvedAt: b1.at });
  });

  it.each<[string, BreakGlassEntry[], string | null]>([
    ["nothing posted yet", [], null],
    ["an open incident is continued", [a1], a1.incident],
    ["the newest open one of several", [a1, entry({ id: "upd_bgc00000000001", incident: "inc_bgc00000000000", at: "2026-12-01T12:00:00.000Z" })], "inc_bgc00000000000"],
    ["a resolved incident is not", [b1], null],
  ])("%s", (_name, entries, expected) => {
    expect(incidentToContinue(entries)).toBe(expected);
  });
});

describe("the places a post goes in a mirror page", () => {
  const page = `<main><!--mirror:urgent--><!--/mirror:urgent--><div class="banner" data-slot="overall" data-indicator="none" role="status"><span data-slot="overall-status"><!--mirror:overall-status-->All Systems Operational<!--/mirror:overall-status--></span></div></main>`;

  it("replaces what stands between the markers, markers kept (a second post replaces the first)", () => {
    const once = replaceBetween(page, "urgent", "<p>one</p>");
    const twice = replaceBetween(once, "urgent", "<p>two</p>");
    expect(twice).toContain("<!--mirror:urgent--><p>two</p><!--/mirror:urgent-->");
    expect(twice).not.toContain("<p>one</p>");
    expect(replaceBetween(page, "overall-status", "Major Service Outage")).toContain(">Major Service Outage<");
  });

  it("says what to do when the page has no such place", () => {
    expect(() => replaceBetween("<main></main>", "urgent", "x")).toThrow(/publish the mirror once from the Worker first/);
  });

  it("sets the banner's indicator", () => {
    expect(replaceIndicator(page, "major")).toContain('data-slot="overall" data-indicator="major"');
  });
});
