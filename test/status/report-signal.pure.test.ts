// Reports as a signal, as a table: which notices the page shows, and what staff are offered.
import { describe, expect, it } from "vitest";
import { pendingSignals, readReportSignalSettings, reportSignalNotices, type ReportSignalInput } from "../../functions/status/report-signal.pure";

const NOW = Date.parse("2026-12-01T10:00:00Z");
const components = [
  { id: "mail", name: "Mail" },
  { id: "web", name: "Web hosting" },
];
const base: ReportSignalInput = { settings: { threshold: 5, windowMinutes: 10 }, now: NOW, counts: [], components, optedIn: new Set(), shown: [] };

describe("reportSignalNotices", () => {
  it.each([
    { name: "below the threshold: nothing", input: { counts: [{ componentId: "mail", count: 4 }], optedIn: new Set(["mail"]) }, want: [] },
    { name: "at the threshold, opted in: shown", input: { counts: [{ componentId: "mail", count: 5 }], optedIn: new Set(["mail"]) }, want: ["Mail"] },
    { name: "past the threshold, not opted in: nothing", input: { counts: [{ componentId: "web", count: 50 }], optedIn: new Set(["mail"]) }, want: [] },
    { name: "an unknown component: nothing", input: { counts: [{ componentId: "gone", count: 50 }], optedIn: new Set(["gone"]) }, want: [] },
    { name: "a staff tap shows it without reports", input: { shown: [{ subjectKey: "component:web", label: "Web hosting", until: "2026-12-01T11:00:00Z" }] }, want: ["Web hosting"] },
    { name: "an expired tap: nothing", input: { shown: [{ subjectKey: "alert:a1", label: "logins", until: "2026-12-01T10:00:00Z" }] }, want: [] },
    {
      name: "a tap and the opt-in for the same component: said once",
      input: { counts: [{ componentId: "mail", count: 9 }], optedIn: new Set(["mail"]), shown: [{ subjectKey: "component:mail", label: "Mail", until: "2026-12-01T12:00:00Z" }] },
      want: ["Mail"],
    },
  ])("$name", ({ input, want }) => {
    expect(reportSignalNotices({ ...base, ...input }).map((n) => n.label)).toEqual(want);
  });
});

describe("pendingSignals", () => {
  it("offers staff the components past the threshold that the page does not show yet", () => {
    const input = { ...base, counts: [{ componentId: "web", count: 7 }, { componentId: "mail", count: 6 }, { componentId: "x", count: 9 }], optedIn: new Set(["mail"]) };
    expect(pendingSignals(input)).toEqual([{ componentId: "web", name: "Web hosting", count: 7 }]);
  });
});

describe("readReportSignalSettings", () => {
  it.each([
    { vars: {}, want: { threshold: 5, windowMinutes: 10 } },
    { vars: { REPORT_SIGNAL_THRESHOLD: "1", REPORT_SIGNAL_MINUTES: "30" }, want: { threshold: 2, windowMinutes: 30 } },
    { vars: { REPORT_SIGNAL_THRESHOLD: "nope", REPORT_SIGNAL_MINUTES: "-5" }, want: { threshold: 5, windowMinutes: 10 } },
    { vars: { REPORT_SIGNAL_MINUTES: "100000" }, want: { threshold: 5, windowMinutes: 1440 } },
  ])("$vars", ({ vars, want }) => {
    expect(readReportSignalSettings(vars)).toEqual(want);
  });
});
