// Bluesky's text: 300 graphemes, and link facets positioned in UTF-8 bytes.
import { describe, expect, it } from "vitest";
import { graphemeLength, linkFacets, postWebUrl } from "./richtext.pure";

describe("graphemeLength", () => {
  it.each([
    { text: "hello", expected: 5 },
    { text: "日本語", expected: 3 },
    { text: "👩‍👩‍👧‍👦", expected: 1 },
    { text: "🇳🇱🇩🇪", expected: 2 },
    { text: "e\u0301", expected: 1 },
  ])("$text is $expected graphemes", ({ text, expected }) => {
    expect(graphemeLength(text)).toBe(expected);
  });
});

describe("linkFacets", () => {
  it.each([
    { text: "Live status: https://s.test/", facets: [{ start: 13, end: 28, uri: "https://s.test/" }] },
    // "é" is 2 bytes and "🔧" 4 in UTF-8: the facet starts at byte 12, not at character 6.
    { text: "é 🔧 → https://s.test/i/1.", facets: [{ start: 12, end: 30, uri: "https://s.test/i/1" }] },
    { text: "two: http://a.test and (https://b.test/x)", facets: [{ start: 5, end: 18, uri: "http://a.test" }, { start: 24, end: 40, uri: "https://b.test/x" }] },
    { text: "no links here", facets: [] },
  ])("$text", ({ text, facets }) => {
    const bytes = new TextEncoder().encode(text);
    const got = linkFacets(text);
    expect(got.map((f) => ({ start: f.index.byteStart, end: f.index.byteEnd, uri: f.features[0]!.uri }))).toEqual(facets);
    for (const f of got) expect(new TextDecoder().decode(bytes.slice(f.index.byteStart, f.index.byteEnd))).toBe(f.features[0]!.uri);
  });
});

describe("postWebUrl", () => {
  it.each([
    { uri: "at://did:plc:abc123/app.bsky.feed.post/3kq2xyzabc2k", expected: "https://bsky.app/profile/ada.bsky.social/post/3kq2xyzabc2k" },
    { uri: "at://did:plc:abc123/app.bsky.feed.like/3kq2", expected: null },
  ])("$uri", ({ uri, expected }) => {
    expect(postWebUrl("ada.bsky.social", uri)).toBe(expected);
  });
});
