// Every check against its loopback stand-in, inside workerd: HTTP against a fake website,
// DNS against a fake DNS-over-HTTPS resolver, TCP and SMTP through cloudflare:sockets against
// loopback servers that answer 220/250/452, TLS against a server with a self-signed
// certificate and a fake Certificate Transparency search.
import { describe, expect, it } from "vitest";
import { runProbe } from "../../functions/monitors/probes/index";
import { fakeProviders, unique } from "../helpers";
import { fakeServices, heloName, monitor, smtpSessions, smtpTarget, targetUrl, tlsTarget } from "./helpers";

const now = new Date("2026-12-01T12:00:00Z");
const probe = (input: Record<string, unknown>) => runProbe(monitor({ id: unique("m"), name: "Check", ...input }), fakeServices(), now);

describe("HTTP check", () => {
  it("a page that answers 200 with its keyword is up, with the latency measured", async () => {
    const r = await probe({ kind: "http", target: targetUrl("/ok"), keyword: "Welcome to Example Hosting" });
    expect(r).toMatchObject({ level: "up", message: expect.stringMatching(/^HTTP 200 in \d+ ms\.$/) });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("sends a GET with our user agent", async () => {
    const path = `/ok?probe=${unique("ua")}`;
    await probe({ kind: "http", target: targetUrl(path) });
    const [req] = (await fakeProviders.requests("target")).filter((r) => r.path === path);
    expect(req).toMatchObject({ method: "GET", headers: expect.objectContaining({ "user-agent": "outofband-monitor/test" }) });
  });

  it("503 is down", async () => {
    expect(await probe({ kind: "http", target: targetUrl("/status/503") })).toMatchObject({ level: "down", message: "HTTP 503 (expected 2xx or 3xx)." });
  });

  it("a 200 page that says 'Database error' is down when that text must be absent", async () => {
    expect(await probe({ kind: "http", target: targetUrl("/error-page"), keywordAbsent: "Database error" })).toMatchObject({ level: "down" });
  });

  it("a redirect not followed is checked as the redirect", async () => {
    expect(await probe({ kind: "http", target: targetUrl("/redirect"), followRedirects: false, expectStatus: [200] })).toMatchObject({ level: "down", message: "HTTP 301 to /target/ok (expected 200)." });
    expect(await probe({ kind: "http", target: targetUrl("/redirect"), keyword: "Welcome" })).toMatchObject({ level: "up" });
  });

  it("an answer slower than the threshold is degraded", async () => {
    expect(await probe({ kind: "http", target: targetUrl("/slow/300"), thresholds: { latencyMs: 100 } })).toMatchObject({ level: "degraded", message: expect.stringContaining("over the 100 ms threshold") });
  });

  it("no answer within the timeout is down, and the check does not wait longer", async () => {
    const started = Date.now();
    expect(await probe({ kind: "http", target: targetUrl("/slow/5000"), timeout: 1 })).toMatchObject({ level: "down", message: "No answer within 1 s." });
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe("DNS check over DNS-over-HTTPS", () => {
  it("asks with the JSON API and finds the expected address", async () => {
    const r = await probe({ kind: "dns", target: "mail.example-hosting.test", expect: ["192.0.2.25"] });
    expect(r).toMatchObject({ level: "up", message: expect.stringMatching(/^A mail\.example-hosting\.test: 192\.0\.2\.25 in \d+ ms\.$/) });
    const req = (await fakeProviders.requests("doh")).find((q) => q.path.includes("name=mail.example-hosting.test"));
    expect(req!.headers.accept).toBe("application/dns-json");
    expect(req!.path).toBe("?name=mail.example-hosting.test&type=A");
  });

  it("follows what the resolver says: CNAME answers are not A records", async () => {
    expect(await probe({ kind: "dns", target: "www.example-hosting.test" })).toMatchObject({ level: "up", message: expect.stringContaining(": 192.0.2.80 in") });
  });

  it("MX records compare as the resolver writes them", async () => {
    expect(await probe({ kind: "dns", target: "mail.example-hosting.test", recordType: "MX", expect: ["10 mx1.example-hosting.test."] })).toMatchObject({ level: "up" });
    expect(await probe({ kind: "dns", target: "mail.example-hosting.test", recordType: "MX", expect: ["10 mx2.example-hosting.test."] })).toMatchObject({ level: "down" });
  });

  it.each([
    ["gone.example-hosting.test", "down", "NXDOMAIN"],
    ["broken.example-hosting.test", "down", "SERVFAIL"],
    ["resolver-down.example-hosting.test", "inconclusive", "answered HTTP 502"],
  ])("%s is %s", async (name, level, text) => {
    expect(await probe({ kind: "dns", target: name })).toMatchObject({ level, message: expect.stringContaining(text) });
  });

  it("a resolver slower than the timeout is inconclusive", async () => {
    expect(await probe({ kind: "dns", target: "slow.example-hosting.test", timeout: 1 })).toMatchObject({ level: "inconclusive", message: "The DNS-over-HTTPS resolver did not answer within 1 s." });
  });
});

describe("TCP check through cloudflare:sockets", () => {
  it("a listening port is up", async () => {
    expect(await probe({ kind: "tcp", target: smtpTarget("normal") })).toMatchObject({ level: "up", message: expect.stringMatching(/^Connected to 127\.0\.0\.1:\d+ in \d+ ms\.$/) });
  });

  it("a closed port is down", async () => {
    expect(await probe({ kind: "tcp", target: "127.0.0.1:9" })).toMatchObject({ level: "down", message: expect.stringContaining("Could not connect to 127.0.0.1:9") });
  });
});

describe("SMTP check (loopback server answering 220/250/452)", () => {
  const smtp = (over: Record<string, unknown>) => ({ kind: "smtp", target: smtpTarget("normal"), mailFrom: "monitor@status.example-hosting.test", ...over });

  it("greeting, EHLO, MAIL FROM, RCPT TO the monitor mailbox, QUIT: up", async () => {
    const helo = heloName("ok");
    const r = await probe(smtp({ helo, rcptTo: "postmaster@example-hosting.test" }));
    expect(r).toMatchObject({ level: "up", message: expect.stringMatching(/^SMTP dialogue OK in \d+ ms \(no TLS, RCPT TO <postmaster@example-hosting\.test> accepted\)\.$/) });
    const [session] = await smtpSessions(helo);
    expect(session!.lines.filter((l) => l.startsWith("C: "))).toEqual([
      `C: EHLO ${helo}`,
      "C: MAIL FROM:<monitor@status.example-hosting.test>",
      "C: RCPT TO:<postmaster@example-hosting.test>",
      "C: QUIT",
    ]);
  });

  it("a full disk (452 at RCPT TO) is down with the server's own words: the origin story's failure", async () => {
    const helo = heloName("full");
    const r = await probe(smtp({ helo, rcptTo: "full@example-hosting.test" }));
    expect(r).toMatchObject({ level: "down", message: "RCPT TO answered 452 4.3.1 Insufficient system storage (a temporary error)." });
    expect((await smtpSessions(helo))[0]!.lines.at(-2)).toBe("C: QUIT");
  });

  it("452 at MAIL FROM is down too, so a submission port without a mailbox still catches a full disk", async () => {
    const r = await probe(smtp({ helo: heloName("mf"), mailFrom: "full@status.example-hosting.test" }));
    expect(r).toMatchObject({ level: "down", message: "MAIL FROM answered 452 4.3.1 Insufficient system storage (a temporary error)." });
  });

  it("an unknown monitor mailbox (550) is down", async () => {
    expect(await probe(smtp({ helo: heloName("u"), rcptTo: "unknown@example-hosting.test" }))).toMatchObject({
      level: "down",
      message: expect.stringMatching(/^RCPT TO answered 550 5\.1\.1 .*\(a permanent error\)\.$/),
    });
  });

  it("a 421 greeting is down", async () => {
    expect(await probe(smtp({ target: smtpTarget("busy") }))).toMatchObject({ level: "down", message: expect.stringMatching(/^The greeting answered 421 4\.3\.2/) });
  });

  it("a server that never greets is down after the timeout", async () => {
    const started = Date.now();
    expect(await probe(smtp({ target: smtpTarget("silent"), timeout: 1 }))).toMatchObject({ level: "down", message: "No answer to the connection (no greeting) within 1 s." });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("a server that stops answering at RCPT TO is down after the timeout", async () => {
    expect(await probe(smtp({ helo: heloName("h"), rcptTo: "slow@example-hosting.test", timeout: 1 }))).toMatchObject({ level: "down", message: "No answer to RCPT within 1 s." });
  });

  it("STARTTLS offered: the upgrade is tried (and a self-signed certificate fails it)", async () => {
    const helo = heloName("starttls");
    const r = await probe(smtp({ helo, rcptTo: "postmaster@example-hosting.test" }));
    expect(r).toMatchObject({ level: "down", message: expect.stringMatching(/^STARTTLS was accepted but the TLS handshake failed: /) });
    expect((await smtpSessions(helo))[0]!.lines).toContain("C: STARTTLS");
  });

  it("STARTTLS off: the offer is ignored", async () => {
    const helo = heloName("starttls");
    expect(await probe(smtp({ helo, startTls: "off" }))).toMatchObject({ level: "up", message: expect.stringContaining("no TLS, MAIL FROM accepted") });
  });

  it("STARTTLS required but not offered is down", async () => {
    expect(await probe(smtp({ helo: heloName("plain"), startTls: "require" }))).toMatchObject({
      level: "down",
      message: "The server does not offer STARTTLS, and this check requires it.",
    });
  });

  it("nothing listening is down", async () => {
    expect(await probe(smtp({ target: "127.0.0.1:9" }))).toMatchObject({ level: "down", message: expect.stringContaining("Could not connect to 127.0.0.1:9") });
  });
});

describe("TLS certificate check", () => {
  it("a certificate the runtime does not trust fails the handshake: down", async () => {
    const r = await probe({ kind: "tls", target: tlsTarget(), timeout: 3 });
    expect(r).toMatchObject({ level: "down", message: expect.stringContaining("the TLS connection failed") });
  });

  it("asks Cert Spotter for the name's issuances, with wildcards and the API key", async () => {
    // Nothing listens on port 9 here: the handshake fails at once and only the CT request matters.
    await probe({ kind: "tls", target: "exp-20270301.example-hosting.test:9", timeout: 2 });
    const req = (await fakeProviders.requests("certspotter")).find((q) => q.path.includes("exp-20270301"));
    expect(req!.path).toBe("/v1/issuances?domain=exp-20270301.example-hosting.test&match_wildcards=true&expand=dns_names");
    expect(req!.headers.authorization).toBe("Bearer ct-test-key");
  });
});
