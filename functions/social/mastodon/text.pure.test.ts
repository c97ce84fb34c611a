// Mastodon's text: HTML statuses read as text, and lengths counted as Mastodon counts them.
import { describe, expect, it } from "vitest";
import { decodeEntities, htmlToText, mastodonLength } from "./text.pure";

describe("htmlToText", () => {
  it.each([
    {
      html: '<p><span class="h-card" translate="no"><a href="https://mastodon.social/@status" class="u-url mention">@<span>status</span></a></span> all my sites are down</p>',
      text: "@status all my sites are down",
    },
    { html: "<p>line one<br />line two</p><p>second paragraph</p>", text: "line one\nline two\n\nsecond paragraph" },
    { html: "<p>5 &lt; 6 &amp;&amp; &quot;quoted&quot; &#39;x&#39; &#x1F527;</p>", text: "5 < 6 && \"quoted\" 'x' 🔧" },
    { html: "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", text: "<script>alert(1)</script>" },
    { html: "<p>unknown &bogus; stays</p>", text: "unknown &bogus; stays" },
  ])("$text", ({ html, text }) => {
    expect(htmlToText(html)).toBe(text);
  });

  it("refuses code points that do not exist", () => {
    expect(decodeEntities("&#1114112; &#0;")).toBe("&#1114112; &#0;");
  });
});

describe("mastodonLength", () => {
  it.each([
    { text: "hello", expected: 5 },
    { text: "see https://status.example-hosting.test/incidents/inc_abcdefghijkl/very/long/path", expected: 4 + 23 },
    { text: "@ada@hachyderm.io thanks", expected: "@ada thanks".length },
    { text: "👩‍👩‍👧‍👦 family", expected: 8 }, // one grapheme
    { text: "e\u0301", expected: 1 },
    { text: "mail@example.com", expected: 16 }, // an address is not a mention
  ])("$text counts $expected", ({ text, expected }) => {
    expect(mastodonLength(text)).toBe(expected);
  });
});
