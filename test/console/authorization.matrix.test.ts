// The authorisation matrix: every staff API route and console page, read from the app itself
// (so a new route is in the matrix the moment it exists), tried anonymously, with a wrong
// token, with an expired session (or a revoked token), with a role that lacks its scope, and
// with the lowest role that has it. The scope each route needs is read from its requireScope
// middleware (which carries it), and every write must declare one unless it is listed below.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hasScope, roleScopes, staffRoles, type StaffRole, type StaffScope } from "../../contract/staff";
import { createApp } from "../../functions/app";
import { isPublicConsolePath } from "../../functions/console/signin-routes";
import { scopeOfHandler } from "../../functions/staff/auth";
import { revokeStaffToken } from "../../functions/staff/queries";
import { createStaffToken } from "../../functions/staff/tokens";
import { fetchWorker, unique } from "../helpers";
import { consoleGet, consolePost, signedIn } from "./helpers";

interface Route {
  method: string;
  path: string;
  scopes: StaffScope[];
}

/** Writes that every signed-in person may make about themselves. */
const SELF_SERVICE = new Set(["POST /admin/sign-out", "POST /admin/me/passkeys/options", "POST /admin/me/passkeys", "POST /admin/me/passkeys/:id/delete", "POST /admin/me/sessions/end-others"]);

function patternRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\/\*$/, "(?:/.*)?")
    .replace(/\*/g, ".*")
    .replace(/:[A-Za-z_]+/g, "[^/]+");
  return new RegExp(`^${body}$`);
}

function staffRoutes(): Route[] {
  const app = createApp();
  const all = app.routes;
  const seen = new Map<string, Route>();
  for (const r of all) {
    if (r.method === "ALL" || !/^\/(api\/)?admin(\/|$)/.test(r.path)) continue;
    const key = `${r.method} ${r.path}`;
    if (!seen.has(key)) seen.set(key, { method: r.method, path: r.path, scopes: [] });
  }
  for (const route of seen.values()) {
    const concrete = concretePath(route.path);
    for (const r of all) {
      const scope = scopeOfHandler(r.handler);
      if (!scope) continue;
      const sameRoute = r.method === route.method && r.path === route.path;
      const middleware = r.method === "ALL" && patternRegex(r.path).test(concrete);
      if ((sameRoute || middleware) && !route.scopes.includes(scope)) route.scopes.push(scope);
    }
  }
  return [...seen.values()];
}

function concretePath(path: string): string {
  return path.replace(/:reference/g, "R-00000000").replace(/:([A-Za-z_]+)/g, "x-matrix-$1");
}

/** The lowest role allowed through every scope, and the highest refused by one. */
function rolesFor(route: Route): { right: StaffRole; wrong: StaffRole | null } {
  const allowed = (role: StaffRole) => route.scopes.every((s) => hasScope(roleScopes[role], s));
  const right = staffRoles.find(allowed) ?? "admin";
  const wrong = [...staffRoles].reverse().find((role) => !allowed(role)) ?? null;
  return { right, wrong };
}

const routes = staffRoutes();
const api = routes.filter((r) => r.path.startsWith("/api/admin"));
const consoleRoutes = routes.filter((r) => r.path.startsWith("/admin") && !isPublicConsolePath(concretePath(r.path)));
const publicConsole = routes.filter((r) => r.path.startsWith("/admin") && isPublicConsolePath(concretePath(r.path)));
const name = (r: Route) => `${r.method} ${r.path}${r.scopes.length ? ` [${r.scopes.join(", ")}]` : ""}`;

async function apiCall(route: Route, authorization: string | null): Promise<Response> {
  return fetchWorker(concretePath(route.path), {
    method: route.method,
    redirect: "manual",
    headers: { accept: "application/json", ...(authorization ? { authorization } : {}), ...(route.method === "GET" ? {} : { "content-type": "application/json" }) },
    ...(route.method === "GET" || route.method === "HEAD" ? {} : { body: "{}" }),
  });
}

async function consoleCall(route: Route, session: Awaited<ReturnType<typeof signedIn>> | null, cookie?: string): Promise<Response> {
  const s = session ?? (cookie ? { cookie, csrf: "x".repeat(43), secret: "", sessionId: "", memberId: null, name: "" } : null);
  return route.method === "GET" ? consoleGet(concretePath(route.path), s) : consolePost(concretePath(route.path), s, {});
}

function expectSentToSignIn(route: Route, res: Response): void {
  if (route.method === "GET") {
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/^\/admin\/sign-in/);
  } else {
    expect(res.status).toBe(401);
  }
}

describe("the route list read from the app", () => {
  it("finds the staff API and the console", () => {
    expect(api.length).toBeGreaterThan(25);
    expect(consoleRoutes.length).toBeGreaterThan(20);
    for (const must of ["GET /admin", "POST /admin/incidents", "POST /admin/reports/:reference/reply", "GET /api/admin/reports", "PATCH /api/admin/components/:id"]) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(must);
    }
  });

  it("has a scope on every write, except a person's own account", () => {
    const unscoped = routes.filter((r) => r.method !== "GET" && r.scopes.length === 0 && !SELF_SERVICE.has(`${r.method} ${r.path}`) && !isPublicConsolePath(concretePath(r.path)));
    expect(unscoped.map(name)).toEqual([]);
  });
});

describe.each(api)("staff API %#", (route) => {
  const { right, wrong } = rolesFor(route);

  it(`${name(route)}: anonymous, a wrong token and a revoked token get 401`, async () => {
    expect((await apiCall(route, null)).status).toBe(401);
    expect((await apiCall(route, `Bearer oob_${"w".repeat(43)}`)).status).toBe(401);
    const { token, secret } = await createStaffToken(env.DB, { name: unique("revoked"), scopes: ["admin"], now: new Date() });
    await revokeStaffToken(env.DB, token.id, new Date());
    expect((await apiCall(route, `Bearer ${secret}`)).status).toBe(401);
  });

  it(`${name(route)}: ${wrong ? `a ${wrong}'s scopes get 403` : "every role's scopes are enough"}`, async () => {
    if (!wrong) return;
    const { secret } = await createStaffToken(env.DB, { name: unique(wrong), scopes: [...roleScopes[wrong]], now: new Date() });
    const res = await apiCall(route, `Bearer ${secret}`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it(`${name(route)}: a ${right}'s scopes get through`, async () => {
    const { secret } = await createStaffToken(env.DB, { name: unique(right), scopes: [...roleScopes[right]], now: new Date() });
    const res = await apiCall(route, `Bearer ${secret}`);
    expect([401, 403]).not.toContain(res.status);
  });
});

describe.each(consoleRoutes)("console %#", (route) => {
  const { right, wrong } = rolesFor(route);

  it(`${name(route)}: anonymous and a made-up session cookie are sent to sign in`, async () => {
    expectSentToSignIn(route, await consoleCall(route, null));
    expectSentToSignIn(route, await consoleCall(route, null, `__Host-oob_session=${"m".repeat(43)}`));
  });

  it(`${name(route)}: an expired session is sent to sign in`, async () => {
    const session = await signedIn(right);
    await env.DB.prepare("UPDATE staff_sessions SET expires_at = ?2 WHERE id = ?1").bind(session.sessionId, new Date(Date.now() - 1000).toISOString()).run();
    expectSentToSignIn(route, await consoleCall(route, session));
  });

  it(`${name(route)}: a bearer token is not a console session`, async () => {
    const res = await (route.method === "GET"
      ? consoleGet(concretePath(route.path), null, { authorization: `Bearer ${env.STAFF_TOKEN}` })
      : consolePost(concretePath(route.path), null, {}, { headers: { authorization: `Bearer ${env.STAFF_TOKEN}` } }));
    expectSentToSignIn(route, res);
  });

  it(`${name(route)}: ${wrong ? `a ${wrong} gets 403` : "every role may"}`, async () => {
    if (!wrong) return;
    const res = await consoleCall(route, await signedIn(wrong));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(`Your role (${wrong}) does not allow this`);
  });

  it(`${name(route)}: a ${right} gets through`, async () => {
    const res = await consoleCall(route, await signedIn(right));
    expect([401, 403]).not.toContain(res.status);
    if (res.status === 303) expect(res.headers.get("location")).not.toMatch(/^\/admin\/sign-in(\?|$)(?!.*signed-out)/);
  });
});

describe.each(publicConsole)("public console route %#", (route) => {
  it(`${route.method} ${route.path} answers without a session (it is how one signs in)`, async () => {
    const res = await (route.method === "GET" ? consoleGet(concretePath(route.path), null) : consolePost(concretePath(route.path), null, {}));
    expect(res.status).not.toBe(303);
    expect(res.status).not.toBe(401);
  });
});
