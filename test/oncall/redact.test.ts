// Masking of on-call contact details for staff without admin (functions/oncall/redact.pure.ts).
import { describe, expect, it } from "vitest";
import { maskedFields, maskValue, redact, secretsOf } from "../../functions/oncall/redact.pure";
import { config } from "./fixtures";

describe("maskValue: recognisable, never the secret", () => {
  it.each([
    ["an email address keeps its first letter and domain", "alice@ops.example-hosting.nl", "a•••@ops.example-hosting.nl"],
    ["a phone number keeps its country code and last two digits", "+31612345678", "+31•••78"],
    ["a webhook URL keeps its origin", "https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/•••"],
    ["a URL whose secret is in the query", "https://example-hosting.nl/?token=abc", "https://example-hosting.nl/•••"],
    ["a URL with credentials in it", "https://user:pw@example-hosting.nl/", "https://example-hosting.nl/•••"],
    ["a bare server URL is not a secret", "https://ntfy.sh", "https://ntfy.sh"],
    ["an ntfy topic", "oncall-pages-8c1f", "•••"],
    ["a 32-character routing key", "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12", "•••"],
    ["a Telegram chat id", "-1001234567890", "•••"],
  ])("%s", (_name, value, masked) => {
    expect(maskValue(value)).toBe(masked);
  });
});

describe("redact", () => {
  const cfg = config({
    people: [
      { id: "alice", name: "Alice", timezone: "UTC", contactMethods: [{ type: "email", address: "alice@ops.example-hosting.nl" }, { type: "telegram", chatId: "42" }] },
      { id: "bob", name: "Bob", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: "https://hooks.slack.com/services/T0/B0/SLACKSECRET" }, { type: "ntfy", topic: "bob-pages" }] },
      { id: "carol", name: "Carol", timezone: "UTC", contactMethods: [{ type: "email", address: "carol@ops.example-hosting.nl" }, { type: "voice", number: "+31687654321" }] },
    ],
  });
  const secrets = secretsOf(cfg, ["fallback@ops.example-hosting.nl"]);

  it.each([
    ["a whole value", "bob-pages", "•••"],
    ["a value inside a sentence", "alice: alice@ops.example-hosting.nl is on a reserved domain", "alice: a•••@ops.example-hosting.nl is on a reserved domain"],
    ["a URL's path quoted without its host", 'HTTP 404: {"error":"no page at /services/T0/B0/SLACKSECRET"}', 'HTTP 404: {"error":"no page at /•••"}'],
    ["an extra address (FALLBACK_PAGE_TO)", "FALLBACK_PAGE_TO: fallback@ops.example-hosting.nl", "FALLBACK_PAGE_TO: f•••@ops.example-hosting.nl"],
    ["a short value only where it is the whole string", "2026-04-20T04:42:00Z", "2026-04-20T04:42:00Z"],
    ["a short value that is the whole string", "42", "•••"],
  ])("replaces %s", (_name, input, output) => {
    expect(redact(input, secrets)).toBe(output);
  });

  it("walks objects and arrays, leaving keys, numbers and booleans alone", () => {
    const out = redact({ version: 3, ok: false, people: [{ id: "bob", detail: ["bob-pages", { url: "https://hooks.slack.com/services/T0/B0/SLACKSECRET" }] }] }, secrets);
    expect(out).toEqual({ version: 3, ok: false, people: [{ id: "bob", detail: ["•••", { url: "https://hooks.slack.com/•••" }] }] });
  });

  it("leaves the input untouched", () => {
    const input = { address: "alice@ops.example-hosting.nl" };
    redact(input, secrets);
    expect(input.address).toBe("alice@ops.example-hosting.nl");
  });

  it("a redacted configuration holds no contact detail, and a pushed-back copy is recognised", () => {
    const masked = redact(cfg, secrets);
    const text = JSON.stringify(masked);
    for (const value of ["alice@ops.example-hosting.nl", "SLACKSECRET", "bob-pages", "+31687654321", "carol@ops"]) expect(text).not.toContain(value);
    expect(maskedFields(masked)).toEqual([
      "people.0.contactMethods.0.address",
      "people.0.contactMethods.1.chatId",
      "people.1.contactMethods.0.webhookUrl",
      "people.1.contactMethods.1.topic",
      "people.2.contactMethods.0.address",
      "people.2.contactMethods.1.number",
    ]);
    expect(maskedFields(cfg)).toEqual([]);
    expect(maskedFields("not a document")).toEqual([]);
  });
});
