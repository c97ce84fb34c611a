// Staff updates by mail: the subject grammar (status-subject.pure.ts) and whose
// Authentication-Results header is believed (auth-results.pure.ts), as an attacker would try it.
import { describe, expect, it } from "vitest";
import { aligned, authenticationVerdict, dmarcState } from "../../functions/email/auth-results.pure";
import type { HeaderLine } from "../../functions/email/headers.pure";
import { parseStatusSubject, sameIncidentName } from "../../functions/email/status-subject.pure";

describe("the subject grammar", () => {
  it.each<[string, ReturnType<typeof parseStatusSubject>]>([
    ["[investigating] API errors", { ok: true, status: "investigating", impact: null, name: "API errors", incidentId: null }],
    ["[Resolved]  API errors ", { ok: true, status: "resolved", impact: null, name: "API errors", incidentId: null }],
    ["Re: Fwd: [identified] API errors", { ok: true, status: "identified", impact: null, name: "API errors", incidentId: null }],
    ["[investigating major] Mail delayed", { ok: true, status: "investigating", impact: "major", name: "Mail delayed", incidentId: null }],
    ["[monitoring/minor] Mail delayed", { ok: true, status: "monitoring", impact: "minor", name: "Mail delayed", incidentId: null }],
    ["[resolved] inc_a1b2c3d4e5f6", { ok: true, status: "resolved", impact: null, name: "", incidentId: "inc_a1b2c3d4e5f6" }],
    ["[update] API errors (inc_a1b2c3d4e5f6)", { ok: true, status: "update", impact: null, name: "API errors", incidentId: "inc_a1b2c3d4e5f6" }],
  ])("%j", (subject, expected) => expect(parseStatusSubject(subject)).toEqual(expected));

  it.each([
    ["API errors", /Start the subject with the status/],
    ["[panic] API errors", /"panic" is not a status/],
    ["[investigating huge] API errors", /"huge" is not an impact/],
    ["[investigating]", /Name the incident/],
    [`[investigating] ${"x".repeat(201)}`, /under 200/],
  ])("refuses %j with a reason", (subject, reason) => {
    const r = parseStatusSubject(subject);
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toMatch(reason);
  });

  it("finds an incident by name as people retype it", () => {
    expect(sameIncidentName("API errors", " api  ERRORS. ")).toBe(true);
    expect(sameIncidentName("API errors", "API error")).toBe(false);
  });
});

const ar = (...values: string[]): HeaderLine[] => values.map((value) => ({ name: "authentication-results", value }));
const trusted = ["mx.cloudflare.net"];

describe("Authentication-Results", () => {
  it.each<[string, HeaderLine[], boolean, RegExp]>([
    ["DMARC pass by our server", ar("mx.cloudflare.net; dmarc=pass header.from=example-hosting.test; spf=pass smtp.mailfrom=example-hosting.test"), true, /dmarc=pass/],
    ["aligned DKIM pass", ar("mx.cloudflare.net; dkim=pass header.d=example-hosting.test header.s=s1; dmarc=none"), true, /dkim/],
    ["aligned DKIM pass from a subdomain", ar("mx.cloudflare.net; dkim=pass header.d=mail.example-hosting.test"), true, /dkim/],
    ["aligned SPF pass", ar("mx.cloudflare.net; spf=pass smtp.mailfrom=bounce@example-hosting.test"), true, /spf/],
    ["DKIM pass for another domain (the attacker's own)", ar("mx.cloudflare.net; dkim=pass header.d=evil.test; spf=pass smtp.mailfrom=evil.test"), false, /neither/],
    ["DMARC fail", ar("mx.cloudflare.net; dmarc=fail header.from=example-hosting.test"), false, /neither/],
    ["DMARC pass for another From domain", ar("mx.cloudflare.net; dmarc=pass header.from=evil.test"), false, /neither/],
    ["no header at all", [], false, /no Authentication-Results/],
    ["a forged header below ours (ours says fail)", ar("mx.cloudflare.net; dmarc=fail", "mx.cloudflare.net; dmarc=pass"), false, /more than one/],
    ["a forged header on top with another server's id", ar("mx.google.com; dmarc=pass", "mx.cloudflare.net; dmarc=fail"), false, /not our receiving server/],
    ["an authserv-id that only starts with ours", ar("mx.cloudflare.net.evil; dmarc=pass"), false, /not our receiving server/],
    ["comments are not results", ar("mx.cloudflare.net; spf=fail (dmarc=pass) smtp.mailfrom=example-hosting.test"), false, /neither/],
    ["a version after the authserv-id", ar("mx.cloudflare.net 1; dmarc=pass header.from=example-hosting.test"), true, /dmarc/],
  ])("%s", (_n, headers, ok, reason) => {
    const v = authenticationVerdict(headers, trusted, "example-hosting.test");
    expect(v.trusted).toBe(ok);
    expect(v.reason).toMatch(reason);
  });

  it.each([
    ["example.test", "example.test", true],
    ["mail.example.test", "example.test", true],
    ["example.test.evil", "example.test", false],
    ["xexample.test", "example.test", false],
    ["", "example.test", false],
  ])("aligned(%j, %j) = %j", (a, b, expected) => expect(aligned(a, b)).toBe(expected));

  it.each<[HeaderLine[], string]>([
    [ar("mx.cloudflare.net; dmarc=pass"), "pass"],
    [ar("mx.cloudflare.net; dmarc=fail"), "fail"],
    [ar("mx.cloudflare.net; dmarc=none"), "unknown"],
    [ar("elsewhere.test; dmarc=pass"), "unknown"],
    [[], "unknown"],
  ])("dmarcState %#", (headers, state) => expect(dmarcState(headers, trusted)).toBe(state));
});
