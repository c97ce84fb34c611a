// What the page shows of a mail: quoted history and signatures trimmed (quotes.pure.ts), HTML
// laid out as text (html-layout.pure.ts), threading references (threading.pure.ts).
import { describe, expect, it } from "vitest";
import { decodeEntities, layoutText, type TextPiece } from "../../functions/email/html-layout.pure";
import { splitFreshText } from "../../functions/email/quotes.pure";
import { referencedMessageIds, referencesInSubject, stripReplyPrefixes } from "../../functions/email/threading.pure";

describe("splitFreshText", () => {
  it.each<[string, string, string, boolean]>([
    ["no quote", "Sites down since 9.", "Sites down since 9.", false],
    ["Gmail attribution", "Still down.\n\nOn Tue, 1 Dec 2026 at 09:41, Example <s@x.test> wrote:\n> Reference R-1", "Still down.", true],
    ["Gmail attribution wrapped over two lines", "Still down.\n\nOn Tue, 1 Dec 2026 at 09:41, Example Hosting Status\n<status@example.test> wrote:\n> quoted", "Still down.", true],
    ["Dutch attribution", "Nog steeds stuk.\n\nOp di 1 dec 2026 om 09:41 schreef Example <s@x.test>:\n> x", "Nog steeds stuk.", true],
    ["German attribution", "Immer noch.\n\nAm 01.12.2026 um 09:41 schrieb Example <s@x.test>:\n> x", "Immer noch.", true],
    ["French attribution", "Toujours.\n\nLe mar. 1 déc. 2026 à 09:41, Example <s@x.test> a écrit :\n> x", "Toujours.", true],
    ["Outlook block", "Fixed?\n\nFrom: Example Status <s@x.test>\nSent: Tuesday, December 1, 2026 9:41\nTo: me\nSubject: x\n\nold", "Fixed?", true],
    ["Outlook separator", "New text\n________________________________\nFrom: x\nold", "New text", true],
    ["Original Message", "New\n-----Original Message-----\nold", "New", true],
    ["signature", "Down again.\n\n-- \nAda\nCTO, Customer BV", "Down again.", true],
    ["phone signature", "Down again.\n\nSent from my iPhone", "Down again.", true],
    ["quoted lines at the end", "Yes, web12.\n\n> Which server?\n> R-7K3M9Q2X", "Yes, web12.", true],
    ["interleaved answers are kept", "> Which server?\nweb12\n> Since when?\n09:40", "> Which server?\nweb12\n> Since when?\n09:40", false],
    ["only a quote: the whole text stays", "> all quoted", "> all quoted", false],
    ["a sentence mentioning 'wrote' is not a quote", "Someone wrote to us: all down.\nHelp.", "Someone wrote to us: all down.\nHelp.", false],
  ])("%s", (_n, text, fresh, trimmed) => {
    expect(splitFreshText(text)).toEqual({ fresh, trimmed });
  });

  it("stays linear on long interleaved quoting", () => {
    const text = Array.from({ length: 40_000 }, (_, i) => (i % 2 ? `> q${i}` : `a${i}`)).join("\n");
    expect(splitFreshText(text).fresh.length).toBeGreaterThan(100_000);
  });
});

describe("HTML layout", () => {
  const t = (text: string): TextPiece => ({ kind: "text", text });
  it.each<[string, TextPiece[], string]>([
    ["white space collapses", [t("  Sites\n\n  down  ")], "Sites down"],
    ["paragraphs", [t("One"), { kind: "break", count: 2 }, t("Two"), { kind: "break", count: 2 }], "One\n\nTwo"],
    ["line breaks", [t("a"), { kind: "break", count: 1 }, t("b")], "a\nb"],
    ["list items", [{ kind: "item" }, t("web12"), { kind: "item" }, t("web13")], "* web12\n* web13"],
    ["a link's address follows its text", [t("our panel"), { kind: "link", href: "https://panel.test/x" }], "our panel [https://panel.test/x]"],
    ["a link that shows its address is not repeated", [t("https://panel.test/x"), { kind: "link", href: "https://panel.test/x" }], "https://panel.test/x"],
    ["a rule", [t("a"), { kind: "rule" }, t("b")], "a\n\n----------\n\nb"],
    ["no more than one blank line", [t("a"), { kind: "break", count: 2 }, { kind: "break", count: 2 }, { kind: "break", count: 2 }, t("b")], "a\n\nb"],
  ])("%s", (_n, pieces, expected) => {
    expect(layoutText(pieces)).toBe(expected);
  });

  it.each([
    ["&amp;&lt;b&gt;", "&<b>"],
    ["caf&eacute; &#233; &#xe9;", "café é é"],
    ["&euro;5 &hellip; &nbsp;x", "€5 … \u00a0x"],
    ["&unknownentity; &#0; &#xD800;", "&unknownentity; \ufffd \ufffd"],
  ])("decodeEntities(%j)", (input, expected) => expect(decodeEntities(input)).toBe(expected));
});

describe("threading", () => {
  it("takes In-Reply-To first, then References newest first, each once", () => {
    expect(referencedMessageIds("<c@x>", "<a@x> <b@x>\r\n <c@x>")).toEqual(["<c@x>", "<b@x>", "<a@x>"]);
    expect(referencedMessageIds(null, null)).toEqual([]);
    expect(referencedMessageIds(null, Array.from({ length: 80 }, (_, i) => `<${i}@x>`).join(" "))).toHaveLength(50);
  });

  it.each([
    ["Re: [R-7K3M9Q2X] We received your urgent report", ["R-7K3M9Q2X"]],
    ["re: r-7k3m9q2x still down", ["R-7K3M9Q2X"]],
    ["R-7K3M9Q2 too short, R-7K3M9Q2XY too long", []],
    ["R-IIIIIIII (not Crockford)", []],
  ])("referencesInSubject(%j)", (subject, refs) => expect(referencesInSubject(subject)).toEqual(refs));

  it.each([
    ["Re: Fwd: AW: SV: Antw: Still down", "Still down"],
    ["RE[2]: x", "x"],
    ["Reply all", "Reply all"],
  ])("stripReplyPrefixes(%j)", (input, expected) => expect(stripReplyPrefixes(input)).toBe(expected));
});
