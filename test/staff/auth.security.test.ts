import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { revokeStaffToken } from "../../functions/staff/queries";
import { createStaffToken } from "../../functions/staff/tokens";
import { fetchWorker, STAFF_TOKEN, unique } from "../helpers";

const guarded = ["/api/admin/whoami", "/api/admin/assurance", "/api/admin/anything-else"];

describe("staff authentication", () => {
  it.each(guarded)("refuses %s without a token (401, WWW-Authenticate, JSON error)", async (path) => {
    const res = await fetchWorker(path);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it.each([
    ["a wrong token", `Bearer wrong-token`],
    ["the right token with one character changed", `Bearer ${STAFF_TOKEN.slice(0, -1)}X`],
    ["the right token as Basic auth", `Basic ${STAFF_TOKEN}`],
    ["an empty bearer", "Bearer "],
    ["a prefixed but unknown token", "Bearer oob_doesnotexist"],
  ])("refuses %s", async (_name, authorization) => {
    const res = await fetchWorker("/api/admin/whoami", { headers: { authorization } });
    expect(res.status).toBe(401);
  });

  it("sends the console without a session to sign in (a bearer token is no console session)", async () => {
    for (const headers of [{ accept: "text/html" }, { accept: "text/html", authorization: `Bearer ${STAFF_TOKEN}` }] as Array<Record<string, string>>) {
      const res = await fetchWorker("/admin", { headers, redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/sign-in");
    }
  });

  it("accepts the deployment's STAFF_TOKEN with every scope", async () => {
    const res = await fetchWorker("/api/admin/whoami", { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "staff (STAFF_TOKEN)", scopes: ["admin"] });
  });

  it("accepts a created token, records its use, and refuses it once revoked", async () => {
    const name = unique("laptop");
    const { token, secret } = await createStaffToken(env.DB, { name, scopes: ["reports:read"], now: new Date() });
    const stored = await env.DB.prepare("SELECT token_hash FROM staff_tokens WHERE id = ?1").bind(token.id).first<{ token_hash: string }>();
    expect(stored!.token_hash).not.toContain(secret);
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const ok = await fetchWorker("/api/admin/whoami", { headers: { authorization: `Bearer ${secret}` } });
    expect(await ok.json()).toEqual({ name, scopes: ["reports:read"] });
    const used = await env.DB.prepare("SELECT last_used_at FROM staff_tokens WHERE id = ?1").bind(token.id).first<{ last_used_at: string }>();
    expect(used!.last_used_at).not.toBeNull();

    expect(await revokeStaffToken(env.DB, token.id, new Date())).toBe(true);
    const refused = await fetchWorker("/api/admin/whoami", { headers: { authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(401);
  });
});
