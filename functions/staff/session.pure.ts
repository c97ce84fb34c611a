// Console sessions as rules: when a session is still good, when its secret is rotated, how the
// cookie is written and read, and when failed sign-ins lock a client out. No I/O, no clock:
// `now` is passed in. Tested table-driven (test/staff/session.pure.test.ts).

/**
 * `__Host-`: the browser accepts it only with Secure, Path=/ and no Domain, so no subdomain
 * and no plain-http page can set or shadow it. Chromium accepts Secure cookies from
 * http://localhost and http://127.0.0.1 (secure contexts), so local development needs no
 * weaker variant.
 */
export const SESSION_COOKIE = "__Host-oob_session";
/** Double-submit token of the sign-in form, before there is a session to hold one. */
export const SIGNIN_COOKIE = "__Host-oob_signin";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const sessionPolicy = {
  /** Unused this long, a session ends (an on-call night with a quiet hour keeps it). */
  idleMs: 12 * HOUR,
  /** However much it is used, a session ends this long after sign-in. */
  absoluteMs: 7 * 24 * HOUR,
  /** A session in use gets a new secret this often: a stolen cookie goes stale. */
  rotateAfterMs: 15 * MINUTE,
  /** After a rotation the previous secret still works this long, for requests in flight. */
  previousGraceMs: 60_000,
  /** The idle expiry is pushed forward at most this often (one D1 write a minute, not each request). */
  touchEveryMs: MINUTE,
} as const;

export interface SessionTimes {
  revokedAt: string | null;
  idleExpiresAt: string;
  expiresAt: string;
  rotatedAt: string;
  lastSeenAt: string;
  byPreviousSecret: boolean;
}

export type SessionVerdict =
  | { ok: false; reason: "revoked" | "idle" | "expired" | "rotated_out" }
  | { ok: true; rotate: boolean; touch: boolean };

export function judgeSession(s: SessionTimes, now: number): SessionVerdict {
  if (s.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (Date.parse(s.expiresAt) <= now) return { ok: false, reason: "expired" };
  if (Date.parse(s.idleExpiresAt) <= now) return { ok: false, reason: "idle" };
  if (s.byPreviousSecret) {
    // A secret already replaced: only requests that were on their way when it changed.
    if (now - Date.parse(s.rotatedAt) > sessionPolicy.previousGraceMs) return { ok: false, reason: "rotated_out" };
    return { ok: true, rotate: false, touch: false };
  }
  const rotate = now - Date.parse(s.rotatedAt) >= sessionPolicy.rotateAfterMs;
  const touch = !rotate && now - Date.parse(s.lastSeenAt) >= sessionPolicy.touchEveryMs;
  return { ok: true, rotate, touch };
}

/** The times of a new session. */
export function newSessionTimes(now: number, absoluteMs: number = sessionPolicy.absoluteMs): { idleExpiresAt: string; expiresAt: string } {
  const expires = now + absoluteMs;
  return { idleExpiresAt: new Date(Math.min(expires, now + sessionPolicy.idleMs)).toISOString(), expiresAt: new Date(expires).toISOString() };
}

export function idleExpiry(now: number): string {
  return new Date(now + sessionPolicy.idleMs).toISOString();
}

/**
 * The Set-Cookie value of a session. No Max-Age beyond the session's own end; SameSite=Strict,
 * so no other site can make the browser send it (a link from a mail client arrives without it:
 * the console then asks the browser to come again from our own page, see auth.ts).
 */
export function sessionCookie(secret: string, expiresAt: string, now: number): string {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - now) / 1000));
  return `${SESSION_COOKIE}=${secret}; Path=/; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Strict`;
}

export function signInCookie(value: string): string {
  return `${SIGNIN_COOKIE}=${value}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict`;
}

export function clearedCookie(name: string): string {
  return `${name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict`;
}

/** A cookie's value from a Cookie header; only URL-safe values (our secrets) are accepted. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header || header.length > 8192) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : null;
  }
  return null;
}

/** Failed sign-ins a client may make in the window before it is told to wait. */
export const signInLimit = { windowMs: 15 * MINUTE, maxFailures: 10 } as const;

/** Null when the client may try; otherwise the seconds until its oldest failure leaves the window. */
export function signInLockout(failures: { count: number; oldest: string | null }, now: number): number | null {
  if (failures.count < signInLimit.maxFailures) return null;
  const oldest = failures.oldest ? Date.parse(failures.oldest) : now;
  return Math.max(1, Math.ceil((oldest + signInLimit.windowMs - now) / 1000));
}

/** Where to go after signing in: only a path inside the console, never another site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 500) return "/admin";
  if (!/^\/admin(?:[/?#]|$)/.test(next)) return "/admin";
  if (/[\\\s]/.test(next) || next.startsWith("//") || /\/\.\.?(?:[/?#]|$)/.test(next)) return "/admin";
  if (/^\/admin\/sign-(?:in|out)/.test(next)) return "/admin";
  return next;
}
