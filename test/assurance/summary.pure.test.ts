// The weekly summary's figures for a known week of check rows.
import { describe, expect, it } from "vitest";
import { episodeText, previousWeek, summarizeChecks, summaryMail, type SummaryRun } from "../../functions/assurance/watch/summary.pure";

const WEEK_START = Date.parse("2026-11-23T00:00:00Z"); // a Monday

/** Every 15 minutes for a week: 672 runs per check, failing where `fails` says. */
function week(name: string, fails: (at: Date) => string | null = () => null): SummaryRun[] {
  return Array.from({ length: 672 }, (_, i) => {
    const at = new Date(WEEK_START + i * 15 * 60_000);
    const error = fails(at);
    return { name, at: at.toISOString(), ok: error === null, error };
  });
}

// Email failed three runs on Tuesday 03:10, 03:25, 03:40 UTC (the canary runs at :10, :25, :40, :55).
const emailWeek = (): SummaryRun[] =>
  week("intake:email").map((r) => ({ ...r, at: new Date(Date.parse(r.at) + 10 * 60_000).toISOString() })).map((r) => {
    const broken = ["2026-11-24T03:10:00.000Z", "2026-11-24T03:25:00.000Z", "2026-11-24T03:40:00.000Z"].includes(r.at);
    return broken ? { ...r, ok: false, error: "452 4.3.1 Insufficient system storage" } : r;
  });

describe("summarizeChecks", () => {
  it("counts runs and merges failures in a row into one episode", () => {
    const [email, web] = summarizeChecks([...emailWeek(), ...week("intake:web")]);
    expect(email).toEqual({
      name: "intake:email",
      runs: 672,
      ok: 669,
      episodes: [{ from: "2026-11-24T03:10:00.000Z", to: "2026-11-24T03:40:00.000Z", count: 3, cause: "452 4.3.1 Insufficient system storage" }],
    });
    expect(web).toMatchObject({ name: "intake:web", runs: 672, ok: 672, episodes: [] });
  });

  it("keeps separate episodes apart", () => {
    const runs: SummaryRun[] = [
      { name: "c", at: "2026-11-23T01:00:00Z", ok: false, error: "a" },
      { name: "c", at: "2026-11-23T01:15:00Z", ok: true, error: null },
      { name: "c", at: "2026-11-23T01:30:00Z", ok: false, error: "b" },
    ];
    expect(summarizeChecks(runs)[0]!.episodes.map((e) => e.cause)).toEqual(["a", "b"]);
  });
});

describe("episodeText", () => {
  it.each([
    { e: { from: "2026-11-24T03:10:00Z", to: "2026-11-24T03:40:00Z", count: 2, cause: "x" }, tz: "UTC", want: "failed twice on Tuesday 03:10–03:40, cause: x" },
    { e: { from: "2026-11-24T03:10:00Z", to: "2026-11-24T03:10:00Z", count: 1, cause: "x" }, tz: "UTC", want: "failed once on Tuesday at 03:10, cause: x" },
    { e: { from: "2026-11-24T03:10:00Z", to: "2026-11-24T03:40:00Z", count: 3, cause: "x" }, tz: "Europe/Amsterdam", want: "failed 3 times on Tuesday 04:10–04:40, cause: x" },
    { e: { from: "2026-11-24T23:50:00Z", to: "2026-11-25T00:20:00Z", count: 3, cause: "x" }, tz: "UTC", want: "failed 3 times on Tuesday 23:50–Wednesday 00:20, cause: x" },
  ])("$want", ({ e, tz, want }) => {
    expect(episodeText(e, tz)).toBe(want);
  });
});

describe("summaryMail", () => {
  const common = { weekStart: "2026-11-23T00:00:00.000Z", weekEnd: "2026-11-29T23:59:59.999Z", timeZone: "UTC", openDrifts: [], humanOnlyChannels: ["slack"] };

  it("says every path was verified when all passed", () => {
    const mail = summaryMail({ ...common, runs: [...week("intake:web"), ...week("channel:email")], humanCheck: { state: "acknowledged", startedAt: "2026-11-24T10:00:00Z" } });
    expect(mail.subject).toBe("Assurance: every path verified 1344 of 1344 times");
    expect(mail.text).toContain("- intake:web: verified 672 of 672 times");
    expect(mail.text).toContain("Weekly test page: acknowledged in time.");
    expect(mail.text).toContain("proven only by the test page: slack.");
  });

  it("names when and why a path failed, and what is still broken", () => {
    const mail = summaryMail({ ...common, runs: [...emailWeek(), ...week("intake:web")], humanCheck: { state: "unacknowledged", startedAt: "2026-11-24T10:00:00Z" }, openDrifts: [{ subject: "Assurance: the secret TWILIO_AUTH_TOKEN disappeared", openedAt: "2026-11-29T08:00:00Z" }] });
    expect(mail.subject).toBe("Assurance: attention needed (1341 of 1344 checks passed; 1 path failed at times)");
    expect(mail.text).toContain("- intake:email: verified 669 of 672 times; failed 3 times on Tuesday 03:10–03:40, cause: 452 4.3.1 Insufficient system storage");
    expect(mail.text).toContain("NOT acknowledged in time");
    expect(mail.text).toContain("- Assurance: the secret TWILIO_AUTH_TOKEN disappeared (since 2026-11-29T08:00:00Z)");
  });

  it("says so when no check ran at all", () => {
    expect(summaryMail({ ...common, runs: [], humanCheck: null }).subject).toContain("no check ran this week");
  });
});

describe("previousWeek", () => {
  it.each([
    { now: "2026-11-30T08:00:00Z", start: "2026-11-23T00:00:00.000Z" },
    { now: "2026-12-06T23:59:00Z", start: "2026-11-23T00:00:00.000Z" },
    { now: "2026-12-07T00:00:00Z", start: "2026-11-30T00:00:00.000Z" },
  ])("$now → week of $start", ({ now, start }) => {
    expect(previousWeek(Date.parse(now)).start.toISOString()).toBe(start);
  });
});
