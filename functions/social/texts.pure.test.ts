// What we post, table by table: answers that repeat nothing the sender wrote and never put the
// private link in public; update threads split within each network's length rule, numbered,
// with the link on the first post only, and cut with a pointer beyond six posts.
import { describe, expect, it } from "vitest";
import { blueskyLength } from "./bluesky/richtext.pure";
import { mastodonRule } from "./mastodon/text.pure";
import { MAX_POSTS_PER_UPDATE, MORE, privateAnswerText, publicReplyText, splitIntoPosts, staffReplyTexts, updatePosts, type LengthRule } from "./texts.pure";
import { xLength } from "./x/length.pure";

const facts = { reference: "R-7K3M9Q2X", statusUrl: "https://status.example-hosting.test/", privateUrl: "https://status.example-hosting.test/r/R-7K3M9Q2X?k=secret" };
const chars: LengthRule = { max: 60, measure: (t) => [...t].length };

describe("answers", () => {
  it.each([
    { link: true, contains: "Live status: https://status.example-hosting.test/" },
    { link: false, contains: "Live status: the link in our profile." },
  ])("the public reply (link $link) says we're on it, gives the reference, never the private link", ({ link, contains }) => {
    const text = publicReplyText(facts, link);
    expect(text).toContain("We're on it");
    expect(text).toContain("R-7K3M9Q2X");
    expect(text).toContain(contains);
    expect(text).not.toContain("/r/");
    expect(text).not.toContain("k=secret");
  });

  it.each([
    { privateUrl: facts.privateUrl, expected: "https://status.example-hosting.test/r/R-7K3M9Q2X?k=secret" },
    { privateUrl: null, expected: "Live status: https://status.example-hosting.test/" },
  ])("the private answer carries the private link when there is one ($privateUrl)", ({ privateUrl, expected }) => {
    expect(privateAnswerText({ ...facts, privateUrl })).toContain(expected);
  });

  it.each([
    { network: "X", rule: xLength },
    { network: "Mastodon", rule: mastodonRule(500) },
    { network: "Bluesky", rule: blueskyLength },
  ])("fit $network's limit", ({ rule }) => {
    for (const text of [publicReplyText(facts, true), publicReplyText(facts, false), privateAnswerText(facts)]) expect(rule.measure(text)).toBeLessThanOrEqual(rule.max);
  });
});

describe("splitIntoPosts", () => {
  it.each([
    { text: "Short update.", link: null, expected: ["Short update."] },
    { text: "Short update.", link: "https://s.test/i/1", expected: ["Short update.\nhttps://s.test/i/1"] },
    {
      text: "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen",
      link: null,
      expected: ["one two three four five six seven eight nine ten (1/2)", "eleven twelve thirteen fourteen fifteen (2/2)"],
    },
    {
      text: "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",
      link: "https://s.test/i/1",
      expected: ["alpha beta gamma delta epsilon zeta\nhttps://s.test/i/1 (1/2)", "eta theta iota kappa lambda mu (2/2)"],
    },
    { text: "x".repeat(100), link: null, expected: [`${"x".repeat(54)} (1/2)`, `${"x".repeat(46)} (2/2)`] },
  ])("splits $text.length characters (link: $link) at spaces, numbered, link on the first post", ({ text, link, expected }) => {
    const posts = splitIntoPosts(text, chars, { link, maxPosts: 6 });
    expect(posts).toEqual(expected);
    for (const p of posts) expect(chars.measure(p)).toBeLessThanOrEqual(chars.max);
  });

  it("cuts beyond the maximum number of posts and ends with a pointer to the status page", () => {
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    const posts = splitIntoPosts(text, chars, { link: null, maxPosts: 3 });
    expect(posts).toHaveLength(3);
    expect(posts[2]).toMatch(new RegExp(`${MORE.replace(/[()]/g, "\\$&")} \\(3/3\\)$`));
    for (const p of posts) expect(chars.measure(p)).toBeLessThanOrEqual(chars.max);
  });
});

describe("updatePosts", () => {
  const long = `${"Our engineers replaced the failed controller and are resyncing the array. ".repeat(6)}日本語のお客様へ：復旧作業中です。🔧`;

  it.each([
    { network: "X (weighted: CJK and emoji count 2, a URL 23)", rule: xLength },
    { network: "Mastodon (500, URL 23)", rule: mastodonRule(500) },
    { network: "Mastodon (a small instance limit of 200)", rule: mastodonRule(200) },
    { network: "Bluesky (300 graphemes)", rule: blueskyLength },
  ])("keeps every post within $network", ({ rule }) => {
    const posts = updatePosts({ incidentName: "Storage cluster degraded", status: "identified", body: long, first: true, url: "https://status.example-hosting.test/incidents/inc_abc" }, rule);
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(posts.length).toBeLessThanOrEqual(MAX_POSTS_PER_UPDATE);
    for (const p of posts) expect(rule.measure(p)).toBeLessThanOrEqual(rule.max);
    expect(posts[0]).toContain("Identified: Storage cluster degraded (Example Hosting)");
    expect(posts[0]).toContain("https://status.example-hosting.test/incidents/inc_abc");
    expect(posts.slice(1).some((p) => p.includes("https://"))).toBe(false);
  });

  it.each([
    { status: "monitoring", expected: "Update, monitoring:\nFix deployed." },
    { status: "completed", expected: "Update, maintenance completed:\nFix deployed." },
    { status: "in_progress", expected: "Update, maintenance in progress:\nFix deployed." },
  ])("continues a thread without the name or the link ($status)", ({ status, expected }) => {
    expect(updatePosts({ incidentName: "ignored", status, body: "Fix deployed.", first: false, url: "https://s.test/x" }, xLength)).toEqual([expected]);
  });
});

describe("staff replies", () => {
  const reply = { staffName: "Jo", reference: "R-7K3M9Q2X", privateLink: facts.privateUrl };
  it.each([
    { network: "X (280 weighted)", rule: xLength, body: "We replaced the failed disk; your sites answer again." },
    { network: "X, a long reply", rule: xLength, body: "The storage cluster behind web12 answers slowly. ".repeat(12) },
    { network: "Mastodon (500)", rule: mastodonRule(500), body: "Mail to Outlook bounces: we are moving you to another relay. ".repeat(10) },
    { network: "Bluesky (300 graphemes)", rule: blueskyLength, body: "日本語のお客様へ：復旧しました。🔧 ".repeat(20) },
  ])("in public on $network: within the length, signed with the reference, never a private link (not even one pasted)", ({ rule, body }) => {
    const posts = staffReplyTexts({ ...reply, body: `${body} See ${facts.privateUrl} and https://other.example/r/R-1?k=abc` }, rule, "public");
    for (const p of posts) expect(rule.measure(p)).toBeLessThanOrEqual(rule.max);
    const all = posts.join(" ");
    expect(all).not.toContain("/r/");
    expect(all).not.toContain("k=");
    expect(all).toContain("(link sent privately)");
    expect(posts.at(-1)).toContain("-- Jo, Example Hosting (R-7K3M9Q2X");
  });

  it.each([
    { how: "with the private link", privateLink: facts.privateUrl, tail: `Your report R-7K3M9Q2X and the whole thread: ${facts.privateUrl}` },
    { how: "without one (no HASH_SALT)", privateLink: null, tail: "Reference R-7K3M9Q2X" },
  ])("in private $how: the reply, the signature, then where to follow it", ({ privateLink, tail }) => {
    const [only, ...rest] = staffReplyTexts({ ...reply, privateLink, body: "Fixed." }, { max: 10_000, measure: (t) => [...t].length }, "private");
    expect(rest).toEqual([]);
    expect(only).toBe(`Fixed.\n-- Jo, Example Hosting\n${tail}`);
  });
});
