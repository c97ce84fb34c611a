// Helpers for the console tests: staff members with a role and a real session (made by the
// same startSession the sign-in routes use), and requests as a browser on our own origin would
// send them (Origin header, the session cookie, the CSRF token in the form).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../functions/index";
import type { StaffRole } from "../../contract/staff";
import { inviteMember } from "../../functions/staff/members";
import { startSession } from "../../functions/staff/session";
import { SESSION_COOKIE } from "../../functions/staff/session.pure";
import { createStaffToken } from "../../functions/staff/tokens";
import { BASE, unique } from "../helpers";

/** Calls the Worker entry (with `overrides` in its env) and waits for its waitUntil work:
 * a reply's send, dispatched inline, has happened when this returns. */
export async function callWorker(url: string, init: RequestInit, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, init) as Request<unknown, IncomingRequestCfProperties>, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export { BASE };
/** Passkeys need a host name; vitest.config.ts lists this origin in CONSOLE_ORIGINS. */
export const LOCAL = "http://localhost:8787";

export interface TestSession {
  cookie: string;
  secret: string;
  csrf: string;
  sessionId: string;
  memberId: string | null;
  name: string;
}

export function secretOf(setCookie: string): string {
  const m = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie);
  if (!m) throw new Error(`no session cookie in ${setCookie}`);
  return m[1]!;
}

/** A new member of `role` (unique name), signed in: their session cookie and CSRF token. */
export async function signedIn(role: StaffRole, opts: { name?: string; email?: string | null } = {}): Promise<TestSession> {
  const name = opts.name ?? unique(`Staff ${role}`);
  const { member } = await inviteMember(env.DB, { name, email: opts.email ?? null, role }, { name: "test", actorId: "test" }, new Date());
  const started = await startSession(env.DB, { kind: "member", member, method: "passkey" }, { now: new Date(), userAgent: "vitest" });
  const secret = secretOf(started.cookie);
  return { cookie: `${SESSION_COOKIE}=${secret}`, secret, csrf: started.csrfToken, sessionId: started.sessionId, memberId: member.id, name };
}

/** A staff API token with the scopes of `role` (or the given scopes). */
export async function tokenFor(scopes: Parameters<typeof createStaffToken>[1]["scopes"]): Promise<string> {
  const { secret } = await createStaffToken(env.DB, { name: unique("token"), scopes, now: new Date() });
  return secret;
}

export function consoleGet(path: string, session: TestSession | null, headers: Record<string, string> = {}, base = BASE, overrides: Partial<Env> = {}): Promise<Response> {
  return callWorker(new URL(path, base).toString(), {
    redirect: "manual",
    headers: { accept: "text/html", ...(session ? { cookie: session.cookie } : {}), ...headers },
  }, overrides);
}

/** A form post from a console page: our Origin, the session cookie, its CSRF token. */
export function consolePost(
  path: string,
  session: TestSession | null,
  fields: Record<string, string | string[]> = {},
  opts: { headers?: Record<string, string>; csrf?: string | null; base?: string; overrides?: Partial<Env> } = {},
): Promise<Response> {
  const base = opts.base ?? BASE;
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    origin: new URL(base).origin,
    "sec-fetch-site": "same-origin",
    accept: "text/html",
    ...(session ? { cookie: session.cookie } : {}),
    ...opts.headers,
  };
  // A header given as "" is left out (a browser that sends no Origin).
  for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k];
  const body = new URLSearchParams();
  const csrf = opts.csrf === undefined ? session?.csrf : opts.csrf;
  if (csrf !== null && csrf !== undefined) body.append("csrf", csrf);
  for (const [k, v] of Object.entries(fields)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
  return callWorker(new URL(path, base).toString(), { method: "POST", redirect: "manual", headers, body: body.toString() }, opts.overrides);
}

/** JSON posts of the passkey script (same origin, optional X-CSRF-Token). */
export function scriptPost(path: string, body: unknown, opts: { base?: string; cookie?: string; csrf?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const base = opts.base ?? LOCAL;
  return callWorker(new URL(path, base).toString(), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      origin: new URL(base).origin,
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.csrf ? { "x-csrf-token": opts.csrf } : {}),
      ...opts.headers,
    },
    body: JSON.stringify(body),
  });
}

/** The text of a page without tags, for assertions on what people read. */
export function textOf(page: string): string {
  return page.replace(/<[^>]+>/g, " ").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/\s+/g, " ");
}
