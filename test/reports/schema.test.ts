// Tables for the pure parts of intake: the text normaliser, the submission and NewReport
// schemas, references and the abuse-control helpers.
import { describe, expect, it } from "vitest";
import { NewReport, normalizeText, ReportSubmission, reportLimits } from "../../contract/reports";
import { isAllowedOrigin } from "../../functions/reports/abuse";
import { reporterKeyOf } from "../../functions/reports/intake";
import { newReference, parseReference } from "../../functions/reports/reference";

describe("normalizeText", () => {
  it.each([
    ["plain", "plain", "plain"],
    ["trims", "  hello  ", "hello"],
    ["collapses white space in one line", "a \t\n  b", "a b"],
    ["composes to NFC", "e\u0301cole", "\u00e9cole"],
    ["strips C0 controls", "a\u0000b\u0007c", "a b c"],
    ["strips C1 controls and DEL", "a\u0085b\u007fc", "a b c"],
    ["strips bidi overrides", "abc\u202egnp.exe", "abc gnp.exe"],
    ["replaces lone surrogates", "x\ud800y", "x\ufffdy"],
    ["keeps emoji and scripts", "Сервер 🔥 下线", "Сервер 🔥 下线"],
  ])("single line: %s", (_name, input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it.each([
    ["keeps lines", "line 1\nline 2", "line 1\nline 2"],
    ["unifies CRLF and CR", "a\r\nb\rc", "a\nb\nc"],
    ["limits blank lines to one", "a\n\n\n\n\nb", "a\n\nb"],
    ["expands tabs", "a\tb", "a    b"],
    ["strips controls but not newlines", "a\u0000\nb\u001b[31m", "a\nb[31m"],
    ["trims trailing spaces per line", "a   \nb", "a\nb"],
  ])("multi-line: %s", (_name, input, expected) => {
    expect(normalizeText(input, { multiline: true })).toBe(expected);
  });
});

const base = { subject: "Site is down", message: "Everything answers 502 since 09:40.", email: "a@example.com" };

describe("ReportSubmission", () => {
  it("accepts the contract's fields and fills defaults", () => {
    const r = ReportSubmission.parse(base);
    expect(r).toMatchObject({ subject: "Site is down", email: "a@example.com", phone: null, component: null, urgency: "high", name: "" });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["no subject", { subject: "" }, "subject", /few words/],
    ["short subject", { subject: "ab" }, "subject", /at least 3/],
    ["long subject", { subject: "x".repeat(reportLimits.subject + 1) }, "subject", /under 200/],
    ["no message", { message: "   " }, "message", /Describe/],
    ["short message", { message: "help" }, "message", /at least 10/],
    ["long message", { message: "x".repeat(reportLimits.message + 1) }, "message", /under 10,000/],
    ["bad email", { email: "not-an-email" }, "email", /email address like/],
    ["bad phone", { email: "", phone: "call me" }, "phone", /digits/],
    ["short phone", { email: "", phone: "12" }, "phone", /too short/],
    ["no contact", { email: "", phone: "" }, "email", /email address or a phone/],
    ["unknown urgency", { urgency: "panic" }, "urgency", /./],
    ["bad component id", { component: "<script>" }, "component", /Choose a component/],
    ["subject of the wrong type", { subject: 42 }, "subject", /./],
  ])("refuses %s at the right field", (_name, patch, field, message) => {
    const result = ReportSubmission.safeParse({ ...base, ...patch });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path[0] === field);
    expect(issue?.message).toMatch(message);
  });

  it("accepts a phone instead of an email and normalises before bounding", () => {
    const r = ReportSubmission.parse({ ...base, email: "  ", phone: "+31 (20) 123-4567", subject: "  Site\u0000down \n now " });
    expect(r).toMatchObject({ email: null, phone: "+31 (20) 123-4567", subject: "Site down now" });
  });

  it("counts length after normalisation (combining marks compose)", () => {
    const subject = "e\u0301".repeat(reportLimits.subject); // 400 code units, 200 after NFC
    expect(ReportSubmission.safeParse({ ...base, subject }).success).toBe(true);
  });
});

describe("NewReport", () => {
  const report = { channel: "x", reporter: { xHandle: "@someone" }, subject: "Down", message: "Your panel is down for me." };

  it("accepts an X handle as the only contact and strips the @", () => {
    const r = NewReport.parse({ ...report, subject: "Down again" });
    expect(r.reporter).toEqual({ name: null, email: null, phone: null, xHandle: "someone", socialHandle: null });
    expect(r.urgency).toBe("high");
    expect(r.meta).toEqual({ userAgent: null, clientHash: null });
  });

  it("accepts a Mastodon account or a Bluesky handle as the only contact", () => {
    const mastodon = NewReport.parse({ ...report, channel: "mastodon", reporter: { socialHandle: "@ada@hachyderm.io" } });
    expect(mastodon.reporter.socialHandle).toBe("ada@hachyderm.io");
    const bluesky = NewReport.parse({ ...report, channel: "bluesky", reporter: { socialHandle: "ada.bsky.social" } });
    expect(bluesky.reporter.socialHandle).toBe("ada.bsky.social");
    expect(NewReport.safeParse({ ...report, channel: "mastodon", reporter: { socialHandle: "ada <script>" } }).success).toBe(false);
  });

  it("refuses a report nobody can answer", () => {
    expect(NewReport.safeParse({ ...report, subject: "Down again", reporter: {} }).success).toBe(false);
  });

  it("refuses an unknown channel and a raw address as client hash", () => {
    expect(NewReport.safeParse({ ...report, subject: "Down again", channel: "fax" }).success).toBe(false);
    expect(NewReport.safeParse({ ...report, subject: "Down again", meta: { clientHash: "192.0.2.1" } }).success).toBe(false);
  });

  it("identifies the same reporter by email, then phone, then handle", () => {
    const r = NewReport.parse({ ...report, subject: "Down again", reporter: { email: "A@Example.com", phone: "+31 20 1234567" } });
    expect(reporterKeyOf(r)).toBe("email:a@example.com");
    expect(reporterKeyOf(NewReport.parse({ ...report, subject: "Down again", reporter: { phone: "+31 20 1234567" } }))).toBe("phone:31201234567");
  });
});

describe("references", () => {
  it("are a prefix and 8 Crockford base32 characters", () => {
    for (let i = 0; i < 200; i++) expect(newReference()).toMatch(/^R-[0-9A-HJKMNP-TV-Z]{8}$/);
  });

  it.each([
    ["R-7K3M9Q2X", "R-7K3M9Q2X"],
    ["r-7k3m9q2x", "R-7K3M9Q2X"],
    ["7K3M 9Q2X", "R-7K3M9Q2X"],
    ["R-7K3M-9Q2X", "R-7K3M9Q2X"],
    ["R-OK3M9QLI", "R-0K3M9Q11"],
    ["RRRRRRRR", "R-RRRRRRRR"],
    ["R-7K3M9Q2", null],
    ["R-7K3M9Q2XY", null],
    ["R-7K3M9Q2U", null],
    ["<script>", null],
    ["", null],
  ])("parse %j -> %j", (input, expected) => {
    expect(parseReference(input)).toBe(expected);
  });
});

describe("origin check", () => {
  const req = (headers: Record<string, string>) => new Request("https://status.example.test/report", { method: "POST", headers });
  it.each([
    [{ origin: "https://status.example.test" }, true],
    [{ origin: "https://public.example.test" }, true],
    [{ origin: "https://evil.example" }, false],
    [{ origin: "null" }, false],
    [{ "sec-fetch-site": "cross-site" }, false],
    [{ "sec-fetch-site": "same-origin" }, true],
    [{}, true],
  ])("%j -> %s", (headers, allowed) => {
    expect(isAllowedOrigin(req(headers), "https://public.example.test")).toBe(allowed);
  });
});
