// The verdicts of each check from what it got, table-driven.
import { describe, expect, it } from "vitest";
import { evaluateDns, normalizeRecord, type DnsOutcome } from "../../functions/monitors/probes/dns.pure";
import { evaluateHttp, type HttpOutcome } from "../../functions/monitors/probes/http.pure";
import { capabilities, parseReplyLine, ReplyCollector, stageProblem } from "../../functions/monitors/probes/smtp.pure";
import { evaluateTls, latestCovering, nameCovers, type CtOutcome, type HandshakeOutcome } from "../../functions/monitors/probes/tls.pure";

const http = { expectStatus: undefined, keyword: undefined, keywordAbsent: undefined, thresholds: {}, timeout: 10 } as Parameters<typeof evaluateHttp>[0];
const ok = (over: Partial<Extract<HttpOutcome, { kind: "response" }>> = {}): HttpOutcome => ({ kind: "response", status: 200, latencyMs: 120, body: "<h1>Welcome</h1>", location: null, ...over });

describe("evaluateHttp", () => {
  it.each<[string, Parameters<typeof evaluateHttp>[0], HttpOutcome, string, string]>([
    ["200 is up", http, ok(), "up", "HTTP 200 in 120 ms."],
    ["a redirect counts as up by default", http, ok({ status: 301, location: "/new" }), "up", "HTTP 301 in 120 ms."],
    ["503 is down", http, ok({ status: 503 }), "down", "HTTP 503 (expected 2xx or 3xx)."],
    ["only the listed statuses count", { ...http, expectStatus: [200] }, ok({ status: 301, location: "https://x.test/" }), "down", "HTTP 301 to https://x.test/ (expected 200)."],
    ["a missing keyword is down", { ...http, keyword: "Welcome to Example" }, ok(), "down", 'HTTP 200, but the page does not contain "Welcome to Example".'],
    ["a present keyword is up", { ...http, keyword: "Welcome" }, ok(), "up", "HTTP 200 in 120 ms."],
    ["an error text on a 200 page is down", { ...http, keywordAbsent: "Database error" }, ok({ body: "Database error: gone" }), "down", 'HTTP 200, but the page contains "Database error".'],
    ["slow over the threshold is degraded", { ...http, thresholds: { latencyMs: 100 } }, ok(), "degraded", "HTTP 200 in 120 ms. Slow: 120 ms is over the 100 ms threshold."],
    ["at the threshold is fine", { ...http, thresholds: { latencyMs: 120 } }, ok(), "up", "HTTP 200 in 120 ms."],
    ["a slow 503 is down, not degraded", { ...http, thresholds: { latencyMs: 100 } }, ok({ status: 503 }), "down", "HTTP 503 (expected 2xx or 3xx)."],
    ["a timeout is down", http, { kind: "error", timedOut: true, error: "aborted" }, "down", "No answer within 10 s."],
    ["a refused connection is down", http, { kind: "error", timedOut: false, error: "connection refused" }, "down", "The request failed: connection refused"],
  ])("%s", (_n, m, outcome, level, message) => {
    expect(evaluateHttp(m, outcome)).toMatchObject({ level, message });
  });
});

const dns = { target: "mail.example-hosting.test", recordType: "A", expect: undefined, thresholds: {}, timeout: 5 } as Parameters<typeof evaluateDns>[0];
const doh = (json: unknown, latencyMs = 20): DnsOutcome => ({ kind: "answer", latencyMs, json });
const answerA = (...ips: string[]) => ({ Status: 0, Answer: ips.map((data) => ({ name: "mail.example-hosting.test.", type: 1, TTL: 300, data })) });

describe("evaluateDns", () => {
  it.each<[string, Parameters<typeof evaluateDns>[0], DnsOutcome, string, string]>([
    ["an answer is up", dns, doh(answerA("192.0.2.25")), "up", "A mail.example-hosting.test: 192.0.2.25 in 20 ms."],
    ["the expected address among the answers", { ...dns, expect: ["192.0.2.25"] }, doh(answerA("192.0.2.24", "192.0.2.25")), "up", "A mail.example-hosting.test: 192.0.2.24, 192.0.2.25 in 20 ms."],
    ["a different address is down", { ...dns, expect: ["192.0.2.25"] }, doh(answerA("203.0.113.9")), "down", "A mail.example-hosting.test: expected 192.0.2.25 among the answers, got 203.0.113.9."],
    ["NXDOMAIN is down", dns, doh({ Status: 3 }), "down", "A mail.example-hosting.test: NXDOMAIN (the name does not exist)."],
    ["SERVFAIL is down", dns, doh({ Status: 2 }), "down", "A mail.example-hosting.test: SERVFAIL (the name's DNS servers did not answer properly)."],
    ["no records of the type is down", dns, doh({ Status: 0, Answer: [{ name: "x.", type: 5, data: "y." }] }), "down", "A mail.example-hosting.test: no A records."],
    ["MX compared without case and trailing dot", { ...dns, recordType: "MX", expect: ["10 MX1.example-hosting.test"] }, doh({ Status: 0, Answer: [{ name: "m.", type: 15, data: "10 mx1.example-hosting.test." }] }), "up", "MX mail.example-hosting.test: 10 mx1.example-hosting.test. in 20 ms."],
    ["slow over the threshold is degraded", { ...dns, thresholds: { latencyMs: 10 } }, doh(answerA("192.0.2.25")), "degraded", "A mail.example-hosting.test: 192.0.2.25 in 20 ms. Slow: 20 ms is over the 10 ms threshold."],
    ["the resolver failing is inconclusive, not down", dns, { kind: "http", status: 502, latencyMs: 5 }, "inconclusive", "The DNS-over-HTTPS resolver answered HTTP 502."],
    ["the resolver unreachable is inconclusive", dns, { kind: "error", timedOut: true, error: "aborted" }, "inconclusive", "The DNS-over-HTTPS resolver did not answer within 5 s."],
    ["an answer that is not DoH JSON is inconclusive", dns, doh("<html>"), "inconclusive", "The DNS-over-HTTPS resolver's answer was not the JSON it documents."],
  ])("%s", (_n, m, outcome, level, message) => {
    expect(evaluateDns(m, outcome)).toMatchObject({ level, message });
  });

  it("normalizes TXT quotes and name case", () => {
    expect(normalizeRecord('"v=spf1 mx -all"')).toBe("v=spf1 mx -all");
    expect(normalizeRecord("MX1.Example.COM.")).toBe("mx1.example.com");
  });
});

describe("certificates", () => {
  it.each<[string, string, boolean]>([
    ["mail.example.com", "mail.example.com", true],
    ["MAIL.example.com.", "mail.example.com", true],
    ["*.example.com", "mail.example.com", true],
    ["*.example.com", "example.com", false],
    ["*.example.com", "a.mail.example.com", false],
    ["other.example.com", "mail.example.com", false],
  ])("%s covers %s: %s", (name, host, covers) => {
    expect(nameCovers(name, host)).toBe(covers);
  });

  const now = new Date("2026-12-01T00:00:00Z");
  const issue = (id: string, names: string[], notAfter: string) => ({ id, dns_names: names, not_after: notAfter });

  it("picks the covering certificate that expires last, ignoring expired and foreign ones", () => {
    const list = [
      issue("old", ["mail.example.com"], "2026-12-20T00:00:00Z"),
      issue("new", ["*.example.com"], "2027-02-20T00:00:00Z"),
      issue("foreign", ["www.other.com"], "2030-01-01T00:00:00Z"),
      issue("expired", ["mail.example.com"], "2026-11-01T00:00:00Z"),
    ];
    expect(latestCovering(list, "mail.example.com", now)?.id).toBe("new");
    expect(latestCovering(list.slice(2), "mail.example.com", now)).toBeNull();
  });

  const thresholds = { warnDays: 21, failDays: 7 };
  const m = { target: "mail.example.com:993", thresholds, timeout: 10 };
  const hs: HandshakeOutcome = { ok: true, ms: 40 };
  const ct = (notAfter: string): CtOutcome => ({ kind: "issuances", json: [issue("1", ["mail.example.com"], notAfter)] });

  it.each<[string, HandshakeOutcome, CtOutcome, string, string]>([
    ["60 days left is up", hs, ct("2027-01-30T00:00:00Z"), "up", "TLS handshake OK; the certificate for mail.example.com expires 2027-01-30 (in 60 days)."],
    ["20 days left warns (degraded)", hs, ct("2026-12-21T00:00:00Z"), "degraded", "The certificate for mail.example.com expires 2026-12-21 (in 20 days)."],
    ["exactly 21 days left is still fine", hs, ct("2026-12-22T00:00:00Z"), "up", "TLS handshake OK; the certificate for mail.example.com expires 2026-12-22 (in 21 days)."],
    ["6 days left is down", hs, ct("2026-12-07T00:00:00Z"), "down", "The certificate for mail.example.com expires 2026-12-07 (in 6 days): renew it now."],
    ["nothing unexpired in CT is down", hs, { kind: "issuances", json: [] }, "down", "TLS handshake OK, but no unexpired certificate for mail.example.com is in the Certificate Transparency logs."],
    ["a failed handshake is down whatever CT says", { ok: false, timedOut: false, error: "certificate has expired" }, ct("2027-06-01T00:00:00Z"), "down", "mail.example.com:993: the TLS connection failed (certificate has expired). An expired, untrusted or wrong-name certificate fails this way."],
    ["CT rate-limited: inconclusive", hs, { kind: "http", status: 429, retryAfter: "60" }, "inconclusive", "TLS handshake OK; the expiry is unknown: the Certificate Transparency search answered HTTP 429 (retry after 60 s)."],
    ["CT unreachable: inconclusive", hs, { kind: "error", error: "network down" }, "inconclusive", "TLS handshake OK; the expiry is unknown: the Certificate Transparency search could not be reached (network down)."],
  ])("%s", (_n, handshake, lookup, level, message) => {
    expect(evaluateTls(m, "mail.example.com", handshake, lookup, now)).toMatchObject({ level, message });
  });
});

describe("SMTP replies", () => {
  it.each<[string, ReturnType<typeof parseReplyLine>]>([
    ["220 mx.example.com ESMTP", { code: 220, last: true, text: "mx.example.com ESMTP" }],
    ["250-PIPELINING", { code: 250, last: false, text: "PIPELINING" }],
    ["250", { code: 250, last: true, text: "" }],
    ["452 4.3.1 Insufficient system storage", { code: 452, last: true, text: "4.3.1 Insufficient system storage" }],
    ["hello", null],
    ["2500 x", null],
    ["150 x", null],
  ])("%s", (line, expected) => {
    expect(parseReplyLine(line)).toEqual(expected);
  });

  it("collects a multi-line EHLO reply and lists its extensions", () => {
    const c = new ReplyCollector();
    expect(c.push("250-mx.example.com")).toBeNull();
    expect(c.push("250-STARTTLS")).toBeNull();
    expect(c.push("250-SIZE 52428800")).toBeNull();
    const reply = c.push("250 8BITMIME")!;
    expect(reply.code).toBe(250);
    expect([...capabilities(reply)]).toEqual(["STARTTLS", "SIZE", "8BITMIME"]);
  });

  it("refuses a reply that changes code midway or is not SMTP", () => {
    const c = new ReplyCollector();
    c.push("250-one");
    expect(() => c.push("251 two")).toThrow("changed reply code");
    expect(() => new ReplyCollector().push("HTTP/1.1 400 Bad Request")).toThrow("not an SMTP reply");
  });

  it.each<[Parameters<typeof stageProblem>[0], number, string, string | null]>([
    ["banner", 220, "mx ESMTP", null],
    ["banner", 421, "4.3.2 Service not available", "The greeting answered 421 4.3.2 Service not available (a temporary error)."],
    ["mail", 452, "4.3.1 Insufficient system storage", "MAIL FROM answered 452 4.3.1 Insufficient system storage (a temporary error)."],
    ["rcpt", 251, "User not local; will forward", null],
    ["rcpt", 550, "5.1.1 User unknown", "RCPT TO answered 550 5.1.1 User unknown (a permanent error)."],
    ["starttls", 454, "4.7.0 TLS not available", "STARTTLS answered 454 4.7.0 TLS not available (a temporary error)."],
    ["mail", 354, "go ahead", "MAIL FROM answered 354 go ahead (an unexpected reply)."],
  ])("%s answered %s", (stage, code, text, expected) => {
    expect(stageProblem(stage, { code, lines: [text] })).toBe(expected);
  });
});
