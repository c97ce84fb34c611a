// Cloudflare Access in front of the console, against a loopback Access (test/fakes/access.fake.ts)
// that publishes its keys as Access does and signs real RS256 tokens. The token must be signed
// by a published key, for our audience, by our team's issuer, and current; keys are cached by
// kid (fetched once, again for a kid not seen yet); the email must be a staff member's.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { AccessTokenError, forgetAccessKeys, verifyAccessToken } from "../../functions/staff/access";
import { ACCESS_AUDIENCE } from "../fakes/access.shared";
import { fakeProviders, unique } from "../helpers";
import { BASE, signedIn, textOf } from "./helpers";

const team = () => `${fakeProviders.url()}/access`;
const access = () => ({ teamDomain: team(), audience: ACCESS_AUDIENCE });
const accessEnv = () => ({ ACCESS_TEAM_DOMAIN: team(), ACCESS_AUD: ACCESS_AUDIENCE }) as Partial<Env>;

async function signToken(payload: Record<string, unknown>, opts: { key?: "kid-1" | "kid-2" | "rogue"; header?: Record<string, unknown> } = {}): Promise<string> {
  const res = await fetch(`${team()}/__sign`, { method: "POST", body: JSON.stringify({ payload, key: opts.key, header: opts.header }) });
  return ((await res.json()) as { token: string }).token;
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: team(), aud: [ACCESS_AUDIENCE], exp: now + 600, nbf: now - 5, iat: now - 5, sub: "user-1", email: "someone@example.com", type: "app", ...extra };
}

async function certFetches(): Promise<number> {
  return (await fakeProviders.requests("access")).filter((r) => r.path === "/cdn-cgi/access/certs").length;
}

async function call(path: string, headers: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext();
  const req = new Request(new URL(path, BASE), { headers: { accept: "text/html", ...headers }, redirect: "manual" });
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...accessEnv() } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

beforeEach(() => forgetAccessKeys());

describe("verifying an Access token", () => {
  it("accepts a current token for our audience from our team, and names the email", async () => {
    const identity = await verifyAccessToken(await signToken(claims({ email: "Dana@Example.com" })), access(), new Date());
    expect(identity.email).toBe("dana@example.com");
    expect(identity.subject).toBe("user-1");
  });

  it.each<[string, () => Promise<string>, string]>([
    ["signed by a key Access does not publish", () => signToken(claims(), { key: "rogue" }), "bad signature"],
    ["for another application (audience)", () => signToken(claims({ aud: ["someone-elses-app"] })), "wrong audience"],
    ["from another team (issuer)", () => signToken(claims({ iss: "https://evil.cloudflareaccess.com" })), "wrong issuer"],
    ["expired", () => signToken(claims({ exp: Math.floor(Date.now() / 1000) - 120 })), "expired"],
    ["not valid yet", () => signToken(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })), "not valid yet"],
    ["a service token without an email", () => signToken(claims({ email: undefined })), "names no email"],
    ["with alg none", async () => (await signToken(claims())).replace(/^[^.]+/, btoa(JSON.stringify({ alg: "none", kid: "kid-1" })).replace(/=+$/, "")), "algorithm none"],
    ["with alg HS256 (the public key as an HMAC secret)", () => signToken(claims(), { header: { alg: "HS256" } }), "algorithm HS256"],
    ["with a kid nobody published", () => signToken(claims(), { header: { kid: "kid-unknown" } }), "does not publish"],
    ["with its payload changed after signing", async () => {
      const [h, , s] = (await signToken(claims())).split(".");
      const p = btoa(JSON.stringify(claims({ email: "admin@example.com" }))).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
      return `${h}.${p}.${s}`;
    }, "bad signature"],
    ["that is not a JWT", async () => "not.a-jwt", "malformed"],
  ])("refuses a token %s", async (_name, make, reason) => {
    const token = await make();
    await expect(verifyAccessToken(token, access(), new Date())).rejects.toThrow(AccessTokenError);
    await expect(verifyAccessToken(token, access(), new Date())).rejects.toThrow(reason);
  });

  it("fetches the keys once, then answers from the cache by kid", async () => {
    const before = await certFetches();
    for (let i = 0; i < 3; i++) await verifyAccessToken(await signToken(claims(), { key: "kid-1" }), access(), new Date());
    await verifyAccessToken(await signToken(claims(), { key: "kid-2" }), access(), new Date());
    expect((await certFetches()) - before).toBe(1);
  });

  it("fetches again for a kid it has not seen, but not more than once in 30 seconds", async () => {
    const before = await certFetches();
    const t0 = new Date();
    await verifyAccessToken(await signToken(claims()), access(), t0);
    // Made-up kids within the window use the cached set (no fetch per forged token)...
    for (let i = 0; i < 3; i++) await verifyAccessToken(await signToken(claims(), { header: { kid: `kid-x${i}` } }), access(), new Date(t0.getTime() + 1000)).catch(() => null);
    expect((await certFetches()) - before).toBe(1);
    // ...and after it, a new kid (a key rotation) fetches the set again.
    await verifyAccessToken(await signToken(claims(), { header: { kid: "kid-rotated" } }), access(), new Date(t0.getTime() + 31_000)).catch(() => null);
    expect((await certFetches()) - before).toBe(2);
  });
});

describe("the console behind Access", () => {
  it("signs a staff member in by the email Access vouches for, without a sign-in page", async () => {
    const email = `${unique("acc")}@example.com`.toLowerCase();
    const member = await signedIn("publisher", { email });
    const token = await signToken(claims({ email }));
    const first = await call("/admin/incidents", { "cf-access-jwt-assertion": token });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/admin/incidents");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const page = await call("/admin/incidents", { "cf-access-jwt-assertion": token, cookie });
    expect(page.status).toBe(200);
    expect(textOf(await page.text())).toContain(member.name);
    const session = await env.DB.prepare("SELECT method FROM staff_sessions WHERE member_id = ?1 AND method = 'access'").bind(member.memberId).first();
    expect(session).not.toBeNull();
    // The session lives only while Access still vouches for the same person.
    expect((await call("/admin/incidents", { cookie })).status).toBe(303);
    const other = await signToken(claims({ email: "someone-else@example.com" }));
    expect((await call("/admin/incidents", { cookie, "cf-access-jwt-assertion": other })).status).toBe(403);
  });

  it("refuses an Access user who is not staff, saying whom to ask", async () => {
    const res = await call("/admin", { "cf-access-jwt-assertion": await signToken(claims({ email: "stranger@example.com" })) });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("stranger@example.com, who is not a staff member here");
  });

  it("ignores a forged Access header: the sign-in page as for anyone", async () => {
    const email = `${unique("acc")}@example.com`.toLowerCase();
    await signedIn("admin", { email });
    const res = await call("/admin", { "cf-access-jwt-assertion": await signToken(claims({ email }), { key: "rogue" }) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in");
  });
});
