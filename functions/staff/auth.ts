// Authentication and authorisation of staff routes, shared by the staff API and the console:
// - `requireStaff()` guards /api/admin/*: `Authorization: Bearer <token>` (a stored token or
//   the deployment's STAFF_TOKEN).
// - `requireConsoleSession()` guards /admin/*: the session cookie, or a Cloudflare Access token
//   that opens a session; otherwise the browser is sent to sign in.
// - `requireScope(scope)` then decides, the same way for both: a console role is a set of
//   token scopes (contract/staff.ts).
// - `requireSameOrigin()` + `requireCsrf()` protect every console write.
import type { Context, MiddlewareHandler } from "hono";
import { hasScope, type StaffScope } from "../../contract/staff";
import { readBodyText } from "../platform/body";
import { constantTimeEqual } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { escapeHtml } from "../platform/html";
import type { AppEnv } from "../platform/types";
import { ACCESS_HEADER, AccessTokenError, verifyAccessToken } from "./access";
import { findMember, findMemberByEmail } from "./queries";
import { safeNext } from "./session.pure";
import { principalFromToken, sessionFromRequest, startSession } from "./session";

const UNAUTHORIZED_HEADERS = { "WWW-Authenticate": 'Bearer realm="staff"' };

/** Console forms are small; replies and update texts fit well within this. */
export const MAX_CONSOLE_BODY_BYTES = 64 * 1024;

/** Guards the staff API: a bearer token (stored, by its hash; or STAFF_TOKEN, in constant time). */
export function requireStaff(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S{1,256})$/i.exec(header.trim());
    if (!match) {
      throw new ApiError("unauthorized", "Staff authentication is required: send Authorization: Bearer <token>.", {
        headers: UNAUTHORIZED_HEADERS,
      });
    }
    const found = await principalFromToken({ db: c.env.DB, envToken: c.env.STAFF_TOKEN ?? "" }, match[1]!, new Date());
    if (!found) {
      throw new ApiError("unauthorized", "That staff token is not valid or has been revoked.", { headers: UNAUTHORIZED_HEADERS });
    }
    c.set("staff", found.principal);
    await next();
  };
}

/** A requireScope middleware carries its scope, so tests can read each route's requirement
 * from the app itself (test/console/authorization.matrix.test.ts). */
export const REQUIRED_SCOPE = Symbol("requiredScope");
export type ScopedMiddleware = MiddlewareHandler<AppEnv> & { [REQUIRED_SCOPE]: StaffScope };

/** Refuses with 403 unless the caller holds `scope` (or one that includes it, or admin). */
export function requireScope(scope: StaffScope): ScopedMiddleware {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const staff = c.get("staff");
    if (!hasScope(staff.scopes, scope)) {
      const message = staff.session
        ? staff.role
          ? `Your role (${staff.role}) does not allow this: it needs "${scope}". Ask an admin.`
          : `This sign-in does not allow this: it needs "${scope}".`
        : `This token lacks the "${scope}" scope needed here.`;
      throw new ApiError("forbidden", message);
    }
    await next();
  };
  return Object.assign(middleware, { [REQUIRED_SCOPE]: scope });
}

export function scopeOfHandler(handler: unknown): StaffScope | undefined {
  return typeof handler === "function" ? (handler as Partial<ScopedMiddleware>)[REQUIRED_SCOPE] : undefined;
}

// ---- console sessions -----------------------------------------------------------------------

/**
 * A page reached from another site (a link in a page mail, in a chat) arrives without our
 * SameSite=Strict cookie. Rather than sending a signed-in person to sign in again, the answer
 * asks the browser to load the same address once more from our own page: that request is
 * same-site and carries the cookie. Without one it then goes to sign-in as usual.
 */
function comeAgainPage(url: URL): Response {
  url.searchParams.set("again", "1");
  const target = escapeHtml(url.pathname + url.search);
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="0;url=${target}"><title>Opening the console</title></head><body><p><a href="${target}">Open the console</a></p></body></html>`;
  return new Response(body, { status: 200, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "same-origin" } });
}

function signInRedirect(url: URL): Response {
  url.searchParams.delete("again");
  const next = safeNext(url.pathname + url.search);
  const location = next === "/admin" ? "/admin/sign-in" : `/admin/sign-in?next=${encodeURIComponent(next)}`;
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
}

/** A session from a Cloudflare Access token, when Access is configured and the token is valid. */
export async function sessionFromAccess(c: Context<AppEnv>): Promise<{ cookie: string } | null> {
  const access = c.get("services").config.console.access;
  const token = c.req.header(ACCESS_HEADER);
  if (!access || !token) return null;
  try {
    const identity = await verifyAccessToken(token, access, new Date());
    const member = await findMemberByEmail(c.env.DB, identity.email);
    if (!member || member.disabledAt) {
      throw new ApiError("forbidden", `Cloudflare Access signed you in as ${identity.email}, who is not a staff member here. Ask an admin to invite that address.`);
    }
    // The session ends no later than the Access token (Access re-signs on each request).
    const absoluteMs = Math.max(60_000, Math.min(identity.expiresAt.getTime() - Date.now(), 24 * 3_600_000));
    return await startSession(c.env.DB, { kind: "member", member, method: "access" }, { now: new Date(), userAgent: c.req.header("user-agent") ?? null, absoluteMs });
  } catch (err) {
    if (err instanceof AccessTokenError) {
      console.warn(`access: token refused: ${err.reason}`);
      return null;
    }
    throw err;
  }
}

/**
 * Guards console routes (all of /admin except the paths `isPublic` names): the session
 * cookie, else a valid Access token (which opens a session), else sign in.
 */
export function requireConsoleSession(isPublic: (path: string) => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (isPublic(url.pathname)) return next();
    const now = new Date();
    const deps = { db: c.env.DB, envToken: c.env.STAFF_TOKEN ?? "" };
    let found = await sessionFromRequest(deps, c.req.raw, now);
    const access = c.get("services").config.console.access;
    if (found.principal && found.session.method === "access" && access) {
      // A session Access opened lives only as long as Access still vouches for the same person.
      const token = c.req.header(ACCESS_HEADER);
      const identity = token ? await verifyAccessToken(token, access, now).catch(() => null) : null;
      const member = found.principal.memberId ? await findMember(c.env.DB, found.principal.memberId) : null;
      if (!identity || identity.email !== member?.email) found = { principal: null, reason: "expired" };
    }
    let setCookie = found.principal ? found.setCookie : null;
    if (!found.principal) {
      const opened = await sessionFromAccess(c);
      if (opened) {
        // Load the page again with the new cookie.
        return new Response(null, { status: 303, headers: { location: url.pathname + url.search, "set-cookie": opened.cookie, "cache-control": "no-store" } });
      }
      const method = c.req.method;
      if (method === "GET" || method === "HEAD") {
        const crossSite = c.req.header("sec-fetch-site") === "cross-site";
        if (crossSite && found.reason === "none" && !url.searchParams.has("again")) return comeAgainPage(url);
        return signInRedirect(url);
      }
      throw new ApiError("unauthorized", "Sign in to the console first: your session has ended or was never started.");
    }
    c.set("staff", found.principal);
    await next();
    // Staff pages are private and live: never stored, never indexed, never a referrer.
    c.res.headers.set("cache-control", "no-store");
    c.res.headers.set("x-robots-tag", "noindex, nofollow");
    if (setCookie) c.res.headers.append("set-cookie", setCookie);
  };
}

/**
 * The Origin check of console writes: a browser names the page a POST came from; it must be
 * our own origin. Without an Origin header (old browsers on same-origin posts), Fetch Metadata
 * must not say the request came from elsewhere.
 */
export function isSameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (origin !== null) return origin === new URL(req.url).origin;
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin";
}

export function requireSameOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !isSameOrigin(c.req.raw)) {
      throw new ApiError("forbidden", "This form can only be sent from the console itself. Open the console and try again.");
    }
    await next();
  };
}

/**
 * The synchronizer token of console writes: every form carries the session's CSRF token in a
 * hidden `csrf` field (scripts send it as X-CSRF-Token), compared in constant time. The body
 * is read here, once, with a size cap, and kept for the route (`c.get("consoleBody")`).
 */
export function requireCsrf(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const session = c.get("staff").session;
    const text = await readBodyText(c.req.raw, MAX_CONSOLE_BODY_BYTES);
    c.set("consoleBody", text);
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const sent = c.req.header("x-csrf-token") ?? (type === "application/x-www-form-urlencoded" ? new URLSearchParams(text).get("csrf") : null) ?? "";
    if (!session || !sent || !(await constantTimeEqual(sent, session.csrfToken))) {
      throw new ApiError("forbidden", "This form has expired or did not come from your console session. Go back, reload the page and send it again.");
    }
    await next();
  };
}
