// What each recorded path or channel means, as a table (functions/assurance/verdict.pure.ts).
import { describe, expect, it } from "vitest";
import { freshnessMs, verdictOf, type CheckRecord, type Verdict } from "../../functions/assurance/verdict.pure";

const NOW = new Date("2026-12-01T12:00:00Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

describe("verdictOf (every 15 minutes)", () => {
  const table: Array<[string, CheckRecord | null, Verdict]> = [
    ["never recorded", null, "unverified"],
    ["verified 10 minutes ago", { lastVerifiedAt: ago(10), lastErrorAt: null, detail: {} }, "verified"],
    ["verified 35 minutes ago (two intervals and five minutes)", { lastVerifiedAt: ago(35), lastErrorAt: null, detail: {} }, "verified"],
    ["verified 36 minutes ago", { lastVerifiedAt: ago(36), lastErrorAt: null, detail: {} }, "stale"],
    ["failed after its last success", { lastVerifiedAt: ago(20), lastErrorAt: ago(5), detail: {} }, "failing"],
    ["failed, then worked again", { lastVerifiedAt: ago(5), lastErrorAt: ago(20), detail: {} }, "verified"],
    ["failed and never worked", { lastVerifiedAt: null, lastErrorAt: ago(5), detail: {} }, "failing"],
    ["not set up here", { lastVerifiedAt: null, lastErrorAt: null, detail: { unavailable: "not configured" } }, "unavailable"],
    ["a channel without a silent check", { lastVerifiedAt: null, lastErrorAt: null, detail: { silent: false } }, "human-path"],
    ["a channel nobody uses", { lastVerifiedAt: ago(500), lastErrorAt: null, detail: { unused: true } }, "unused"],
    ["a channel that failed and is unused now", { lastVerifiedAt: null, lastErrorAt: ago(50), detail: { unused: true } }, "unused"],
  ];
  it.each(table)("%s", (_name, record, verdict) => {
    expect(verdictOf(record, NOW, 15)).toBe(verdict);
  });

  it("scales the freshness window with the interval", () => {
    expect(freshnessMs(15)).toBe(35 * 60_000);
    expect(verdictOf({ lastVerifiedAt: ago(100), lastErrorAt: null, detail: {} }, NOW, 60)).toBe("verified");
  });
});
