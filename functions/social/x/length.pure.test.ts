// X's weighted length, as twitter-text counts it: the rule our update threads are split by.
import { describe, expect, it } from "vitest";
import { xLength, xWeightedLength } from "./length.pure";

describe("xWeightedLength", () => {
  it.each([
    { text: "Hello", expected: 5 },
    { text: "日本語", expected: 6 }, // CJK weighs 2
    { text: "🔧", expected: 2 }, // an emoji weighs 2
    { text: "👩‍👩‍👧‍👦", expected: 2 }, // one emoji, however many code points
    { text: "see https://status.example-hosting.nl/incidents/inc_abcdefghijkl", expected: 4 + 23 }, // a URL is 23
    // X links only names under real top-level domains: a .test address is text to X.
    { text: "see https://s.example.test/x", expected: 28 },
    { text: "e\u0301", expected: 1 }, // NFC first: é
    { text: "a".repeat(280), expected: 280 },
  ])("$text weighs $expected", ({ text, expected }) => {
    expect(xWeightedLength(text)).toBe(expected);
  });

  it("allows 280", () => {
    expect(xLength.max).toBe(280);
    expect(xLength.measure("日".repeat(140))).toBe(280);
    expect(xLength.measure("日".repeat(141))).toBeGreaterThan(xLength.max);
  });
});
