// Property-based tests: arbitrary strings, Unicode, huge and malformed bodies at both intake
// endpoints and the reporter's view. Whatever comes in: never a 5xx, never our marker tag
// unescaped in any page.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, postApi, postForm, uniqueIp } from "./helpers";

const MARKER = "<x-inj";
const hostileFragments = fc.constantFrom(
  "<x-inj>",
  '"><x-inj onload=1>',
  "'><x-inj>",
  "</textarea><x-inj>",
  "&amp;",
  "&lt;x-inj&gt;",
  "\u0000",
  "\u202e",
  "\ud800",
  "e\u0301",
  "\r\n",
  "@",
  "+31 20 123 4567",
  "a@b.co",
  "%00",
  "💥",
);
const text = fc
  .array(fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), hostileFragments), { maxLength: 12 })
  .map((parts) => parts.join(""));
const formFields = fc.record(
  {
    name: text,
    email: fc.oneof(text, fc.constant("ada@example.com")),
    phone: text,
    subject: text,
    message: fc.oneof(text, text.map((t) => `${t} long enough text here`)),
    component: text,
    urgency: fc.oneof(text, fc.constantFrom("critical", "high", "normal")),
    form_id: text,
    website: fc.oneof(fc.constant(""), text),
  },
  { requiredKeys: [] },
);

/** Mostly-valid reports carrying arbitrary text, so that many runs are stored and shown. */
const validish = formFields.map((f) => ({ ...f, email: "ada@example.com", subject: `S ${f.subject ?? ""}`, message: `${f.message ?? ""} long enough text`, website: "", component: "", urgency: "high" }));
const enc = (s: string) => encodeURIComponent(s.toWellFormed());
const rawPart = fc.oneof(text.map(enc), fc.constantFrom("%ZZ", "%ED%A0%80", "%", "%00", "%3Cx-inj%3E", "..%2F..%2F"));

function expectInert(page: string): void {
  expect(page.includes(MARKER), "a marker tag came back unescaped").toBe(false);
}

describe("POST /report takes anything", () => {
  it("arbitrary field values: 303, 400 or 429, never 5xx, never unescaped", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(formFields, validish), async (fields) => {
        const res = await postForm(fields, { ip: uniqueIp() });
        expect([303, 400, 429]).toContain(res.status);
        expectInert(await res.text());
        if (res.status === 303) {
          const received = await call(res.headers.get("location")!);
          expect(received.status).toBe(200);
          expectInert(await received.text());
        }
      }),
      { numRuns: 150 },
    );
  });

  it("arbitrary raw bodies and sizes: never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 0, max: 300_000 }).map((n) => new TextEncoder().encode("message=".padEnd(n, "x")))), async (body) => {
        const res = await call("/report", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:8787", "cf-connecting-ip": uniqueIp() },
          body,
        });
        expect(res.status).toBeLessThan(500);
        expectInert(await res.text());
      }),
      { numRuns: 80 },
    );
  });
});

describe("POST /api/reports takes anything", () => {
  it("arbitrary JSON values: 201, 400 or 429, JSON errors, never 5xx", async () => {
    const body = fc.oneof(fc.jsonValue(), formFields, validish);
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const res = await postApi(JSON.stringify(value));
        expect([200, 201, 400, 409, 429]).toContain(res.status);
        const json = (await res.json()) as { reference?: string; status_url?: string; error?: { code: string } };
        if (res.status === 201) {
          const url = new URL(json.status_url!);
          const view = await call(url.pathname + url.search);
          expect(view.status).toBe(200);
          expectInert(await view.text());
        } else if (res.status >= 400) {
          expect(json.error?.code).toBeTruthy();
        }
      }),
      { numRuns: 150 },
    );
  });

  it("arbitrary raw text bodies and content types: never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "", "application/x-www-form-urlencoded"), async (raw, type) => {
        const res = await call("/api/reports", { method: "POST", headers: { "content-type": type, "cf-connecting-ip": uniqueIp() }, body: raw });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});

describe("the reporter's view takes any URL", () => {
  it("arbitrary references and tokens: 404 or 200, never 5xx, never unescaped", async () => {
    await fc.assert(
      fc.asyncProperty(rawPart, rawPart, async (ref, k) => {
        const res = await call(`/r/${ref || "x"}?k=${k}`);
        expect([200, 404]).toContain(res.status);
        expectInert(await res.text());
        const received = await call(`/report/received?ref=${ref}&k=${k}`);
        expect(received.status).toBeLessThan(500);
        expectInert(await received.text());
      }),
      { numRuns: 80 },
    );
  });
});
