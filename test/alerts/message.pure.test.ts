// What a page says, and that it fits two SMS segments whatever people wrote.
import { describe, expect, it } from "vitest";
import { MAX_TEXT_CHARS, alertText, digestText, firstLabel, reportsPhrase, truncate } from "../../functions/alerts/message.pure";
import { voiceTwiml } from "../../functions/channels/twilio/channel";

const ackUrl = "https://status.example-hosting.test/ack/al_abcdefghijkl.alice.mh3k2p1.0123456789abcdef0123456789abcdef";

describe("page text", () => {
  it("names what, where, how many, the first words and how to acknowledge", () => {
    const text = alertText({ siteName: "Example Hosting", ackCode: "7KQ2M", component: "Web hosting", subject: "All sites 502", reportCount: 12, firstText: "Since 10:02 every site on web12 answers 502.", ackUrl, replyHint: true });
    expect(text).toBe(`[Example Hosting] ALERT 7KQ2M: Web hosting: All sites 502 (12 reports). "Since 10:02 every site on web12 answers 502." Ack: ${ackUrl} or reply 4`);
    expect(text.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
  });

  it.each([
    ["a very long first report", "x ".repeat(3000), "Site down"],
    ["a very long subject", "short", "s".repeat(200)],
    ["newlines and tabs", "line one\n\n\tline two", "Site down"],
  ])("stays within two SMS segments with %s, keeping the whole ack link", (_n, firstText, subject) => {
    const text = alertText({ siteName: "Example Hosting", ackCode: "7KQ2M", component: null, subject, reportCount: 1, firstText, ackUrl, replyHint: true });
    expect(text.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
    expect(text).toContain(ackUrl);
    expect(text).not.toMatch(/[\n\t]/);
  });

  it("says an alert a check raised was raised by a check, never \"0 reports\"", () => {
    const text = alertText({ siteName: "Example Hosting", ackCode: "9PX4D", component: "Mail", subject: "Monitor smtp-main failing", reportCount: 0, firstText: "452 4.3.1 Insufficient system storage", ackUrl });
    expect(text).toBe(`[Example Hosting] ALERT 9PX4D: Mail: Monitor smtp-main failing (raised by a check). "452 4.3.1 Insufficient system storage" Ack: ${ackUrl}`);
    expect([reportsPhrase(0), firstLabel(0)]).toEqual(["Raised by a check (no reports)", "The check says"]);
    expect([reportsPhrase(1), reportsPhrase(3), firstLabel(3)]).toEqual(["1 report", "3 reports", "The first report says"]);
    // The voice page reads it the same way.
    const twiml = voiceTwiml("https://status.example-hosting.test", { what: "Mail", reports: reportsPhrase(0), firstLabel: firstLabel(0), firstText: "452 4.3.1 Insufficient system storage", ackToken: "t" });
    expect(twiml).toContain("Alert for Mail. Raised by a check (no reports). The check says: 452 4.3.1 Insufficient system storage");
    expect(twiml).not.toContain("0 reports");
  });

  it("lists an alert a check raised in a digest as raised by a check, and counts reports for the others", () => {
    const text = digestText("Example Hosting", [
      { ackCode: "9PX4D", title: "Monitor smtp-main failing", reportCount: 0, reason: "held", count: 1, open: true },
      { ackCode: "7KQ2M", title: "All sites 502", reportCount: 3, reason: "held", count: 2, open: true },
    ], "https://status.example-hosting.test/ack/all");
    expect(text).toContain("9PX4D Monitor smtp-main failing (raised by a check; raised while you handle another alert).");
    expect(text).toContain("7KQ2M All sites 502 (3 reports, 2 new; raised while you handle another alert).");
    expect(text).not.toContain("0 reports");
  });

  it("offers the SMS reply only where replying works", () => {
    const text = alertText({ siteName: "X", ackCode: "7KQ2M", component: null, subject: "Down", reportCount: 1, firstText: "down", ackUrl });
    expect(text.endsWith(`Ack: ${ackUrl}`)).toBe(true);
  });

  it("cuts at a word boundary with an ellipsis", () => {
    expect(truncate("the quick brown fox jumps", 17)).toBe("the quick brown…");
    expect(truncate("short", 15)).toBe("short");
  });
});
