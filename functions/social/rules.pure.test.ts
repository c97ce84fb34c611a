// What a mention or direct message becomes, table by table.
import { describe, expect, it } from "vitest";
import type { InboundMessage } from "./message.pure";
import { followUpScope, matchesKeyword, reportInput, subjectOf, triage, withoutLeadingMentions } from "./rules.pure";

const msg = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  id: "1900000000000000001",
  kind: "mention",
  authorId: "42",
  authorHandle: "ada_builds",
  authorName: "Ada",
  text: "@ExampleHosting all my sites are down",
  createdAt: "2026-12-01T10:00:00.000Z",
  conversationId: "1900000000000000001",
  inReplyToId: null,
  isRepost: false,
  fromSelf: false,
  url: "https://x.com/ada_builds/status/1900000000000000001",
  replyRef: null,
  ...over,
});

describe("triage", () => {
  it.each([
    { name: "a mention, no keywords configured", m: msg(), keywords: [], expected: { action: "consider" } },
    { name: "a mention with a keyword", m: msg({ text: "@ExampleHosting is mail DOWN?" }), keywords: ["down"], expected: { action: "consider" } },
    { name: "a mention without one", m: msg({ text: "@ExampleHosting thanks for the quick fix" }), keywords: ["down", "outage"], expected: { action: "ignore", reason: "no keyword" } },
    { name: "a keyword inside another word", m: msg({ text: "@ExampleHosting the download page is slow" }), keywords: ["down"], expected: { action: "ignore", reason: "no keyword" } },
    { name: "the keyword only in the handles answered", m: msg({ text: "@down_detector @ExampleHosting hi" }), keywords: ["down"], expected: { action: "ignore", reason: "no keyword" } },
    { name: "a direct message, whatever the keywords", m: msg({ kind: "direct", text: "hello" }), keywords: ["down"], expected: { action: "consider" } },
    { name: "a repost", m: msg({ isRepost: true }), keywords: [], expected: { action: "ignore", reason: "a repost" } },
    { name: "our own post", m: msg({ fromSelf: true }), keywords: [], expected: { action: "ignore", reason: "our own post" } },
    { name: "our own DM", m: msg({ kind: "direct", fromSelf: true }), keywords: [], expected: { action: "ignore", reason: "our own post" } },
  ])("$name", ({ m, keywords, expected }) => {
    expect(triage(m, keywords)).toEqual(expected);
  });
});

describe("matchesKeyword", () => {
  it.each([
    { text: "Is the panel not working?", keywords: ["not working"], expected: true },
    { text: "Störung bei Mail", keywords: ["störung"], expected: true },
    { text: "STÖRUNG", keywords: ["störung"], expected: true },
    { text: "outages", keywords: ["outage"], expected: false },
    { text: "down.", keywords: ["down"], expected: true },
    { text: "a (b) c", keywords: ["(b)"], expected: true },
    { text: "anything", keywords: ["", " "], expected: false },
  ])("$text with $keywords: $expected", ({ text, keywords, expected }) => {
    expect(matchesKeyword(text, keywords)).toBe(expected);
  });
});

describe("withoutLeadingMentions and subjectOf", () => {
  it.each([
    { text: "@ExampleHosting @other all my sites are down", expected: "all my sites are down" },
    { text: "@alice@mastodon.social @status@hachyderm.io mail bounces", expected: "mail bounces" },
    { text: "Hey @ExampleHosting, down?", expected: "Hey @ExampleHosting, down?" },
  ])("strips the handles a post starts with: $text", ({ text, expected }) => {
    expect(withoutLeadingMentions(text)).toBe(expected);
  });

  it.each([
    { m: msg(), expected: "all my sites are down" },
    { m: msg({ text: "@ExampleHosting ??" }), expected: "X mention from @ada_builds" },
    { m: msg({ kind: "direct", text: "" }), expected: "X direct message from @ada_builds" },
    { m: msg({ text: `@ExampleHosting ${"very long line ".repeat(20)}` }), expected: expect.stringMatching(/^very long line .*…$/) },
    { m: msg({ text: "@ExampleHosting\n\nsecond line is the first with text\nthird" }), expected: "second line is the first with text" },
  ])("subject: $expected", ({ m, expected }) => {
    const subject = subjectOf("x", m);
    expect(subject).toEqual(expected);
    expect([...subject].length).toBeLessThanOrEqual(100);
  });
});

describe("reportInput", () => {
  it("files an X mention with the X handle, the whole text and where it came from", () => {
    expect(reportInput("x", msg(), null)).toEqual({
      channel: "x",
      urgency: "high",
      reporter: { name: "Ada", xHandle: "ada_builds", socialHandle: null },
      subject: "all my sites are down",
      message: "@ExampleHosting all my sites are down\n\n(X mention from @ada_builds: https://x.com/ada_builds/status/1900000000000000001)",
      channelMessageId: "1900000000000000001",
      incidentId: null,
    });
  });

  it("files Mastodon and Bluesky messages with the handle of their network, and a known incident when given", () => {
    const m = reportInput("mastodon", msg({ kind: "direct", authorHandle: "ada@hachyderm.io", url: null, text: "help" }), "inc_1");
    expect(m.reporter).toEqual({ name: "Ada", xHandle: null, socialHandle: "ada@hachyderm.io" });
    expect(m.message).toBe("help\n\n(Mastodon direct message from @ada@hachyderm.io)");
    expect(m.incidentId).toBe("inc_1");
    expect(reportInput("bluesky", msg({ authorHandle: "ada.bsky.social" }), null).reporter.socialHandle).toBe("ada.bsky.social");
  });
});

describe("followUpScope", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");
  it.each([
    { name: "a DM looks a day back for any open report of its author", m: msg({ kind: "direct", conversationId: "dm-1" }), expected: { directSince: "2026-11-30T12:00:00.000Z", conversationId: null, inReplyToId: null } },
    { name: "a mention looks at its conversation and what it replies to", m: msg({ conversationId: "c1", inReplyToId: "p9" }), expected: { directSince: null, conversationId: "c1", inReplyToId: "p9" } },
  ])("$name", ({ m, expected }) => {
    expect(followUpScope("x", m, now)).toEqual({ network: "x", authorId: "42", ...expected });
  });
});
