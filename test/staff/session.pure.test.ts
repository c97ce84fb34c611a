// Session rules as tables: when a session is good, rotated, touched or over; the cookie; the
// failed sign-in lockout; where a sign-in may send the browser.
import { describe, expect, it } from "vitest";
import {
  judgeSession,
  newSessionTimes,
  readCookie,
  safeNext,
  SESSION_COOKIE,
  sessionCookie,
  sessionPolicy,
  signInLimit,
  signInLockout,
  type SessionTimes,
} from "../../functions/staff/session.pure";

const NOW = Date.parse("2026-12-01T03:00:00Z");
const iso = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const MIN = 60_000;
const H = 60 * MIN;

const fresh: SessionTimes = {
  revokedAt: null,
  idleExpiresAt: iso(11 * H),
  expiresAt: iso(6 * 24 * H),
  rotatedAt: iso(-5 * MIN),
  lastSeenAt: iso(-30_000),
  byPreviousSecret: false,
};

describe("judgeSession", () => {
  it.each<[string, Partial<SessionTimes>, ReturnType<typeof judgeSession>]>([
    ["a fresh session", {}, { ok: true, rotate: false, touch: false }],
    ["seen over a minute ago: the idle expiry moves", { lastSeenAt: iso(-2 * MIN) }, { ok: true, rotate: false, touch: true }],
    ["rotated 15 minutes ago: a new secret", { rotatedAt: iso(-sessionPolicy.rotateAfterMs) }, { ok: true, rotate: true, touch: false }],
    ["revoked (signed out)", { revokedAt: iso(-MIN) }, { ok: false, reason: "revoked" }],
    ["idle too long", { idleExpiresAt: iso(-1) }, { ok: false, reason: "idle" }],
    ["past its absolute end, however recently used", { expiresAt: iso(0), idleExpiresAt: iso(H) }, { ok: false, reason: "expired" }],
    ["the previous secret within the grace", { byPreviousSecret: true, rotatedAt: iso(-30_000) }, { ok: true, rotate: false, touch: false }],
    ["the previous secret after the grace", { byPreviousSecret: true, rotatedAt: iso(-sessionPolicy.previousGraceMs - 1) }, { ok: false, reason: "rotated_out" }],
    ["a previous secret never rotates the session again", { byPreviousSecret: true, rotatedAt: iso(-1000), lastSeenAt: iso(-H) }, { ok: true, rotate: false, touch: false }],
  ])("%s", (_name, change, verdict) => {
    expect(judgeSession({ ...fresh, ...change }, NOW)).toEqual(verdict);
  });

  it("gives a new session an idle expiry within its absolute end", () => {
    expect(newSessionTimes(NOW)).toEqual({ idleExpiresAt: iso(sessionPolicy.idleMs), expiresAt: iso(sessionPolicy.absoluteMs) });
    expect(newSessionTimes(NOW, H)).toEqual({ idleExpiresAt: iso(H), expiresAt: iso(H) });
  });
});

describe("the session cookie", () => {
  it("is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain, and ends with the session", () => {
    const cookie = sessionCookie("s3cr3t-value-0123456789", iso(2 * H), NOW);
    expect(cookie.startsWith(`${SESSION_COOKIE}=s3cr3t-value-0123456789;`)).toBe(true);
    expect(SESSION_COOKIE.startsWith("__Host-")).toBe(true);
    for (const part of ["Path=/", "Secure", "HttpOnly", "SameSite=Strict", `Max-Age=${2 * 3600}`]) expect(cookie).toContain(part);
    expect(cookie).not.toMatch(/domain/i);
  });

  it.each<[string, string | null, string | null]>([
    ["the value of our cookie", `a=1; ${SESSION_COOKIE}=abcdefghijklmnop0123; b=2`, "abcdefghijklmnop0123"],
    ["nothing without it", "a=1; b=2", null],
    ["nothing for a value with other characters", `${SESSION_COOKIE}=abc"def<ghi>jklmnopqrs`, null],
    ["nothing for a short value", `${SESSION_COOKIE}=short`, null],
    ["nothing from a look-alike name", `x${SESSION_COOKIE}=abcdefghijklmnop0123`, null],
    ["nothing from no header", null, null],
  ])("reads %s", (_name, header, value) => {
    expect(readCookie(header, SESSION_COOKIE)).toBe(value);
  });
});

describe("the failed sign-in lockout", () => {
  it.each<[string, { count: number; oldest: string | null }, number | null]>([
    ["under the limit", { count: signInLimit.maxFailures - 1, oldest: iso(-MIN) }, null],
    ["at the limit: wait until the oldest failure leaves the window", { count: signInLimit.maxFailures, oldest: iso(-5 * MIN) }, (signInLimit.windowMs - 5 * MIN) / 1000],
    ["at the limit, oldest about to leave: at least a second", { count: 12, oldest: iso(-signInLimit.windowMs) }, 1],
  ])("%s", (_name, failures, wait) => {
    expect(signInLockout(failures, NOW)).toBe(wait);
  });
});

describe("where sign-in leads", () => {
  it.each<[string | null | undefined, string]>([
    [undefined, "/admin"],
    ["/admin/reports/R-1234ABCD", "/admin/reports/R-1234ABCD"],
    ["/admin?done=x", "/admin?done=x"],
    ["https://evil.example/admin", "/admin"],
    ["//evil.example/admin", "/admin"],
    ["/\\evil.example", "/admin"],
    ["/administrator", "/admin"],
    ["/admin/../api/admin/whoami", "/admin"],
    ["/admin/sign-out", "/admin"],
    ["/", "/admin"],
  ])("%s -> %s", (next, to) => {
    expect(safeNext(next)).toBe(to);
  });
});
