// Console sessions end to end through the Worker: a staff token exchanged for a session (the
// form, for browsers without JavaScript; a bearer header, for scripts), rotation with a short
// grace for the previous secret, idle and absolute expiry, sign-out, no session fixation,
// failed sign-ins locked out, and what ends a session early (a new STAFF_TOKEN, a role change,
// disabling). Plus the "come again" page for links from other sites.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { revokeStaffToken } from "../../functions/staff/queries";
import { createStaffToken } from "../../functions/staff/tokens";
import { fetchWorker, staffHeaders, unique } from "../helpers";
import { BASE, consoleGet, consolePost, secretOf, signedIn, textOf, type TestSession } from "./helpers";

function ip(): string {
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `10.${r[0]}.${r[1]}.${r[2]}`;
}

async function signInForm(client: string): Promise<{ cookie: string; field: string }> {
  const res = await fetchWorker("/admin/sign-in", { headers: { accept: "text/html", "cf-connecting-ip": client } });
  const cookie = /__Host-oob_signin=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]!;
  const field = /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie, field };
}

async function tokenSignIn(token: string, client = ip(), next?: string, overrides: Partial<Env> = {}): Promise<Response> {
  const { cookie, field } = await signInForm(client);
  const req = new Request(`${BASE}/admin/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, cookie: `__Host-oob_signin=${cookie}`, "cf-connecting-ip": client },
    body: new URLSearchParams({ csrf: field, token, ...(next ? { next } : {}) }).toString(),
  });
  return callWith(req, overrides);
}

async function callWith(req: Request, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function asSession(setCookie: string): TestSession {
  const secret = secretOf(setCookie);
  return { cookie: `__Host-oob_session=${secret}`, secret, csrf: "", sessionId: "", memberId: null, name: "" };
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe("signing in with a staff token", () => {
  it("exchanges the token for a session and goes to the page asked for", async () => {
    const res = await tokenSignIn(env.STAFF_TOKEN, ip(), "/admin/reports?state=new");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/reports?state=new");
    const cookies = res.headers.getSetCookie();
    expect(cookies.some((c) => /^__Host-oob_session=.+; Path=\/; Max-Age=\d+; Secure; HttpOnly; SameSite=Strict$/.test(c))).toBe(true);
    expect(cookies.some((c) => c.startsWith("__Host-oob_signin=; Path=/; Max-Age=0"))).toBe(true);
    const session = asSession(cookies.find((c) => c.startsWith("__Host-oob_session="))!);
    const page = await consoleGet("/admin/reports", session);
    expect(page.status).toBe(200);
    expect(textOf(await page.text())).toContain("staff (STAFF_TOKEN)");
  });

  it("never sends the browser to another site after signing in", async () => {
    const res = await tokenSignIn(env.STAFF_TOKEN, ip(), "https://evil.example/admin");
    expect(res.headers.get("location")).toBe("/admin?done=signed-in");
  });

  it("gives a member's token their name and role's scopes as they are on the token", async () => {
    const member = await signedIn("publisher");
    const { secret } = await createStaffToken(env.DB, { name: unique("laptop"), scopes: ["reports:read"], now: new Date(), memberId: member.memberId });
    const session = asSession((await tokenSignIn(secret)).headers.get("set-cookie")!);
    const page = textOf(await (await consoleGet("/admin/me", session)).text());
    expect(page).toContain(member.name);
    // The token has reports:read only: posting status stays out of reach, whatever the role.
    expect((await consoleGet("/admin/incidents/new", session)).status).toBe(403);
  });

  it("accepts a bearer header from scripts, without the form token (no site can send that header)", async () => {
    const res = await fetchWorker("/admin/sign-in", { method: "POST", redirect: "manual", headers: { authorization: `Bearer ${env.STAFF_TOKEN}`, accept: "application/json", "cf-connecting-ip": ip() } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redirect: "/admin?done=signed-in" });
    expect((await consoleGet("/admin", asSession(res.headers.get("set-cookie")!))).status).toBe(200);
  });

  it("refuses a wrong or revoked token with the form again, and keeps no session", async () => {
    const { token, secret } = await createStaffToken(env.DB, { name: unique("old"), scopes: ["admin"], now: new Date() });
    await revokeStaffToken(env.DB, token.id, new Date());
    for (const wrong of ["oob_wrong-token-value-000000000000", secret, ""]) {
      const res = await tokenSignIn(wrong);
      expect(res.status).toBe(wrong ? 401 : 401);
      expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-oob_session="))).toBe(false);
      expect(await res.text()).toContain(wrong ? "That staff token is not valid or has been revoked." : "Enter a staff token.");
    }
  });

  it("locks a client out after 10 failed sign-ins (429 with Retry-After), not everyone", async () => {
    const client = ip();
    for (let i = 0; i < 10; i++) expect((await tokenSignIn(`oob_guess-${i}-000000000000000000`, client)).status).toBe(401);
    const locked = await tokenSignIn(env.STAFF_TOKEN, client);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    expect(await locked.text()).toContain("Too many failed sign-ins");
    expect((await tokenSignIn(env.STAFF_TOKEN, ip())).status).toBe(303);
  });

  it("starts a new session even when the browser brings one (no fixation)", async () => {
    const planted = `__Host-oob_session=${"p".repeat(43)}`;
    const client = ip();
    const { cookie, field } = await signInForm(client);
    const res = await fetchWorker("/admin/sign-in", {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, cookie: `__Host-oob_signin=${cookie}; ${planted}`, "cf-connecting-ip": client },
      body: new URLSearchParams({ csrf: field, token: env.STAFF_TOKEN }).toString(),
    });
    const fresh = secretOf(res.headers.get("set-cookie")!);
    expect(fresh).not.toBe("p".repeat(43));
    expect((await consoleGet("/admin", { cookie: planted } as TestSession)).status).toBe(303);
  });

  it("ends sessions opened with the deployment's STAFF_TOKEN once that secret changes", async () => {
    const res = await tokenSignIn(env.STAFF_TOKEN);
    const session = asSession(res.headers.get("set-cookie")!);
    const page = await callWith(new Request(`${BASE}/admin`, { headers: { cookie: session.cookie }, redirect: "manual" }), { STAFF_TOKEN: "a-new-staff-token-0123456789" });
    expect(page.status).toBe(303);
  });
});

describe("a session's life", () => {
  it("rotates its secret after 15 minutes; the old one works for a minute, then not", async () => {
    const s = await signedIn("responder");
    await env.DB.prepare("UPDATE staff_sessions SET rotated_at = ?2 WHERE id = ?1").bind(s.sessionId, ago(16 * 60_000)).run();
    const res = await consoleGet("/admin", s);
    expect(res.status).toBe(200);
    const next = secretOf(res.headers.get("set-cookie") ?? "");
    expect(next).not.toBe(s.secret);
    // Requests already on their way with the old secret still work within the grace...
    expect((await consoleGet("/admin", s)).status).toBe(200);
    expect((await consoleGet("/admin", { ...s, cookie: `__Host-oob_session=${next}` })).status).toBe(200);
    // ...and not after it.
    await env.DB.prepare("UPDATE staff_sessions SET rotated_at = ?2 WHERE id = ?1").bind(s.sessionId, ago(2 * 60_000)).run();
    expect((await consoleGet("/admin", s)).status).toBe(303);
    expect((await consoleGet("/admin", { ...s, cookie: `__Host-oob_session=${next}` })).status).toBe(200);
  });

  it("ends when idle too long, and at its absolute end however busy", async () => {
    const idle = await signedIn("responder");
    await env.DB.prepare("UPDATE staff_sessions SET idle_expires_at = ?2 WHERE id = ?1").bind(idle.sessionId, ago(1000)).run();
    expect((await consoleGet("/admin", idle)).headers.get("location")).toBe("/admin/sign-in");
    const old = await signedIn("responder");
    await env.DB.prepare("UPDATE staff_sessions SET expires_at = ?2 WHERE id = ?1").bind(old.sessionId, ago(1000)).run();
    expect((await consoleGet("/admin", old)).status).toBe(303);
  });

  it("signs out: the cookie is cleared, the session revoked and audited", async () => {
    const s = await signedIn("responder");
    const res = await consolePost("/admin/sign-out", s);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in?done=signed-out");
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-oob_session=; Path=\/; Max-Age=0/);
    expect((await consoleGet("/admin", s)).status).toBe(303);
    const audit = await env.DB.prepare("SELECT actor_id FROM audit_log WHERE action = 'staff.sign_out' AND target = ?1").bind(s.sessionId).first<{ actor_id: string }>();
    expect(audit!.actor_id).toBe(`member:${s.memberId}`);
  });

  it("ends a member's sessions when their role changes or they are disabled", async () => {
    const s = await signedIn("publisher");
    const patch = (body: unknown) =>
      fetchWorker(`/api/admin/staff/members/${s.memberId}`, { method: "PATCH", headers: staffHeaders({ "content-type": "application/json" }), body: JSON.stringify(body) });
    expect((await patch({ role: "responder" })).status).toBe(200);
    expect((await consoleGet("/admin", s)).status).toBe(303);
    const again = await signedIn("responder");
    await env.DB.prepare("UPDATE staff_members SET disabled_at = ?2 WHERE id = ?1").bind(again.memberId, new Date().toISOString()).run();
    expect((await consoleGet("/admin", again)).status).toBe(303);
  });

  it("answers a link from another site with a page that loads it again from ours, so the SameSite cookie comes along", async () => {
    const res = await consoleGet("/admin/reports/R-00000000", null, { "sec-fetch-site": "cross-site" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<meta http-equiv="refresh" content="0;url=/admin/reports/R-00000000?again=1">');
    // The second request (same-site) without a cookie goes to sign in, once.
    const second = await consoleGet("/admin/reports/R-00000000?again=1", null, { "sec-fetch-site": "cross-site" });
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe("/admin/sign-in?next=%2Fadmin%2Freports%2FR-00000000");
  });
});
