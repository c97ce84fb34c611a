// Passkeys through the console's routes with a software authenticator (authenticator.ts):
// an invitation registers one, it signs in, and every way an attacker might try to get in
// with a passkey is refused: a phishing origin, a replayed or foreign challenge, an unknown
// or foreign key, a cloned authenticator (counter going back), a disabled member, an IP
// address as relying party; repeated failures lock the client out.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWorker, staffHeaders, unique } from "../helpers";
import { assert, createPasskey, type SoftPasskey } from "./authenticator";
import { BASE, consoleGet, LOCAL, scriptPost, secretOf } from "./helpers";

function ip(): string {
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `10.${r[0]}.${r[1]}.${r[2]}`;
}

async function invite(role = "responder"): Promise<{ url: string; memberId: string; name: string }> {
  const name = unique("Passkey person");
  const res = await fetchWorker("/api/admin/staff/members", {
    method: "POST",
    headers: staffHeaders({ "content-type": "application/json" }),
    body: JSON.stringify({ name, role, email: `${name.replace(/\W/g, "").toLowerCase()}@example.com` }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { invite_url: string; member: { id: string } };
  return { url: body.invite_url, memberId: body.member.id, name };
}

/** Registers a passkey through an invitation, as the page's script does. */
async function register(inviteUrl: string, client = ip()): Promise<{ passkey: SoftPasskey; cookie: string }> {
  const path = new URL(inviteUrl).pathname;
  const opts = await scriptPost(`${path}/options`, {}, { headers: { "cf-connecting-ip": client } });
  expect(opts.status).toBe(200);
  const { challengeId, options } = (await opts.json()) as { challengeId: string; options: Parameters<typeof createPasskey>[0] };
  const { passkey, response } = await createPasskey(options, LOCAL);
  const done = await scriptPost(path, { challengeId, response, label: "Test key" }, { headers: { "cf-connecting-ip": client } });
  expect(done.status, await done.clone().text()).toBe(200);
  expect(await done.json()).toEqual({ redirect: "/admin?done=passkey-added" });
  return { passkey, cookie: `__Host-oob_session=${secretOf(done.headers.get("set-cookie") ?? "")}` };
}

async function signInWith(passkey: SoftPasskey, opts: { origin?: string; counter?: number; userHandle?: string | null; client?: string; reuse?: { challengeId: string; challenge: string } } = {}) {
  const client = opts.client ?? ip();
  let challengeId: string;
  let challenge: string;
  if (opts.reuse) ({ challengeId, challenge } = opts.reuse);
  else {
    const res = await scriptPost("/admin/sign-in/passkey/options", {}, { headers: { "cf-connecting-ip": client } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { challengeId: string; options: { challenge: string; rpId: string; allowCredentials?: unknown[] } };
    expect(body.options.rpId).toBe("localhost");
    challengeId = body.challengeId;
    challenge = body.options.challenge;
  }
  const response = await assert(passkey, { challenge, rpId: "localhost" }, opts.origin ?? LOCAL, { counter: opts.counter, userHandle: opts.userHandle });
  const res = await scriptPost("/admin/sign-in/passkey", { challengeId, response, next: "/admin/reports" }, { headers: { "cf-connecting-ip": client } });
  return { res, challengeId, challenge };
}

async function failures(): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM signin_failures WHERE method = 'passkey'").first<{ n: number }>())!.n;
}

describe("registering a passkey from an invitation", () => {
  it("shows the invitation, registers the passkey, signs the person in, and uses the link up", async () => {
    const { url, memberId, name } = await invite();
    expect(url.startsWith(`${LOCAL}/admin/invite/inv_`)).toBe(true);
    const page = await consoleGet(new URL(url).pathname, null, {}, LOCAL);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The link's token never leaves in a Referer to another site.
    expect(html).toContain('<meta name="referrer" content="same-origin"');
    expect(html).toContain(`Welcome, ${name}`);
    expect(html).toContain("Create my passkey");

    const { cookie } = await register(url);
    const dash = await consoleGet("/admin", { cookie } as never, {}, LOCAL);
    expect(dash.status).toBe(200);
    expect(await dash.text()).toContain(name);
    const stored = await env.DB.prepare("SELECT label, counter FROM staff_passkeys WHERE member_id = ?1").bind(memberId).first<{ label: string; counter: number }>();
    expect(stored).toEqual({ label: "Test key", counter: 0 });
    const audit = await env.DB.prepare("SELECT actor_id FROM audit_log WHERE action = 'staff.passkey.add' AND target = ?1").bind(memberId).first<{ actor_id: string }>();
    expect(audit!.actor_id).toBe(`member:${memberId}`);

    // The link works once.
    expect((await consoleGet(new URL(url).pathname, null, {}, LOCAL)).status).toBe(404);
    expect((await scriptPost(`${new URL(url).pathname}/options`, {})).status).toBe(404);
  });

  it("refuses an invitation that expired or never existed", async () => {
    const { url, memberId } = await invite();
    await env.DB.prepare("UPDATE staff_invites SET expires_at = ?2 WHERE member_id = ?1").bind(memberId, new Date(Date.now() - 1000).toISOString()).run();
    expect((await consoleGet(new URL(url).pathname, null, {}, LOCAL)).status).toBe(404);
    expect((await consoleGet(`/admin/invite/inv_${"x".repeat(43)}`, null, {}, LOCAL)).status).toBe(404);
  });

  it("refuses a registration made for another origin (a phishing page relaying the ceremony)", async () => {
    const { url } = await invite();
    const path = new URL(url).pathname;
    const { challengeId, options } = (await (await scriptPost(`${path}/options`, {})).json()) as { challengeId: string; options: Parameters<typeof createPasskey>[0] };
    const { response } = await createPasskey(options, "https://console.evil.example");
    const res = await scriptPost(path, { challengeId, response });
    expect(res.status).toBe(400);
    expect(res.headers.get("set-cookie") ?? "").not.toContain("__Host-oob_session");
  });

  it("offers no passkeys on an IP address: browsers refuse those as relying party", async () => {
    const { url } = await invite();
    const res = await scriptPost(`${new URL(url).pathname}/options`, {}, { base: BASE });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("http://localhost:8787/admin");
  });
});

describe("signing in with a passkey", () => {
  it("signs in, records the use, and goes where the person was going", async () => {
    const { url, memberId } = await invite();
    const { passkey } = await register(url);
    const { res } = await signInWith(passkey, { counter: 1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redirect: "/admin/reports" });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^__Host-oob_session=[A-Za-z0-9_-]{40,}; Path=\/; Max-Age=\d+; Secure; HttpOnly; SameSite=Strict/);
    const row = await env.DB.prepare("SELECT counter, last_used_at FROM staff_passkeys WHERE member_id = ?1").bind(memberId).first<{ counter: number; last_used_at: string }>();
    expect(row!.counter).toBe(1);
    expect(row!.last_used_at).not.toBeNull();
    const session = await env.DB.prepare("SELECT method, name FROM staff_sessions WHERE member_id = ?1 ORDER BY created_at DESC LIMIT 1").bind(memberId).first<{ method: string }>();
    expect(session!.method).toBe("passkey");
  });

  it.each<[string, (p: SoftPasskey) => Parameters<typeof signInWith>[1]]>([
    ["an assertion made on a phishing origin", () => ({ origin: "https://admin.evil.example" })],
    ["a user handle naming someone else", () => ({ userHandle: btoa("stf_someoneelse").replace(/=+$/, "") })],
  ])("refuses %s", async (_name, attack) => {
    const { url } = await invite();
    const { passkey } = await register(url);
    const before = await failures();
    const { res } = await signInWith(passkey, attack(passkey));
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie") ?? "").not.toContain("__Host-oob_session");
    expect(await failures()).toBe(before + 1);
  });

  it("refuses a replayed challenge: each one answers once", async () => {
    const { url } = await invite();
    const { passkey } = await register(url);
    const first = await signInWith(passkey, { counter: 5 });
    expect(first.res.status).toBe(200);
    const replay = await signInWith(passkey, { counter: 6, reuse: { challengeId: first.challengeId, challenge: first.challenge } });
    expect(replay.res.status).toBe(401);
  });

  it("refuses a key that is not the registered one for that credential id", async () => {
    const { url } = await invite();
    const { passkey } = await register(url);
    const forged = await createPasskey({ challenge: "AAAA", rp: { id: "localhost" }, user: { id: passkey.userHandle } }, LOCAL);
    const { res } = await signInWith({ ...forged.passkey, credentialId: passkey.credentialId });
    expect(res.status).toBe(401);
  });

  it("refuses an unknown credential", async () => {
    const forged = await createPasskey({ challenge: "AAAA", rp: { id: "localhost" }, user: { id: "c3RmX25vYm9keQ" } }, LOCAL);
    const { res } = await signInWith(forged.passkey);
    expect(res.status).toBe(401);
  });

  it("refuses a cloned authenticator: the signature counter went backwards", async () => {
    const { url } = await invite();
    const { passkey } = await register(url);
    expect((await signInWith(passkey, { counter: 10 })).res.status).toBe(200);
    expect((await signInWith(passkey, { counter: 9 })).res.status).toBe(401);
  });

  it("refuses a disabled member's passkey", async () => {
    const { url, memberId } = await invite();
    const { passkey } = await register(url);
    await env.DB.prepare("UPDATE staff_members SET disabled_at = ?2 WHERE id = ?1").bind(memberId, new Date().toISOString()).run();
    expect((await signInWith(passkey)).res.status).toBe(401);
  });

  it("locks a client out after 10 failures, with Retry-After, and not other clients", async () => {
    const { url } = await invite();
    const { passkey } = await register(url);
    const client = ip();
    for (let i = 0; i < 10; i++) expect((await signInWith(passkey, { origin: "https://evil.example", client })).res.status).toBe(401);
    const locked = await scriptPost("/admin/sign-in/passkey/options", {}, { headers: { "cf-connecting-ip": client } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even a right answer waits (refused before it is looked at); another client does not.
    const verify = await scriptPost("/admin/sign-in/passkey", { challengeId: "wch_0123456789abcdef", response: {} }, { headers: { "cf-connecting-ip": client } });
    expect(verify.status).toBe(429);
    expect((await signInWith(passkey, { client: ip() })).res.status).toBe(200);
  });
});
