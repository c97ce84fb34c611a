// Hostile input and abuse: nothing people wrote is rendered as markup, the private view needs
// its token, and each abuse control (origin, honeypot, Turnstile, rate limit) does its job.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fakeProviders, staffHeaders } from "../helpers";
import { turnstileKeys } from "../fakes/turnstile.fake";
import { call, postApi, postForm, referenceFrom, turnstileEnv, uniqueIp, uniqueReport } from "./helpers";

const XSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'><svg onload=alert(3)>&amp;`;

describe("nothing people wrote becomes markup", () => {
  it("escapes every field in the reporter's view, the staff reply and the received page", async () => {
    const res = await postApi({ ...uniqueReport(), name: XSS, subject: `Subject ${XSS}`.slice(0, 200), message: `Message ${XSS}` });
    expect(res.status).toBe(201);
    const { reference, status_url } = (await res.json()) as { reference: string; status_url: string };
    await call(`/api/admin/reports/${reference}/messages`, {
      method: "POST",
      headers: staffHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ body: `Staff ${XSS}` }),
    });
    const url = new URL(status_url);
    const page = await (await call(url.pathname + url.search)).text();
    expect(page).not.toMatch(/<script>alert|<img src=x|<svg onload/);
    expect(page).toContain("Message &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("Staff &lt;script&gt;");
    expect(page).toContain("&amp;amp;");
  });

  it("puts hostile input back into the form exactly, as inert text", async () => {
    const tricky = `x"><script>alert(1)</script>&amp;&lt;'`;
    const res = await postForm(uniqueReport({ name: tricky, email: "bad", message: `short ${tricky}`.slice(0, 9) }));
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).not.toContain("<script>alert(1)");
    expect(page).toContain(`value="x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;&amp;lt;&#39;"`);
  });

  it("never answers an unknown reference or token with markup from the URL", async () => {
    const res = await call(`/report/received?ref=${encodeURIComponent("<script>alert(1)</script>")}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("<script>alert(1)");
  });
});

describe("the reporter's private view", () => {
  it("needs the token: the reference alone, a wrong or a malformed token are all 404", async () => {
    const { reference, status_url } = (await (await postApi(uniqueReport())).json()) as { reference: string; status_url: string };
    const token = new URL(status_url).searchParams.get("k")!;
    expect((await call(`/r/${reference}`)).status).toBe(404);
    expect((await call(`/r/${reference}?k=${"a".repeat(32)}`)).status).toBe(404);
    expect((await call(`/r/${reference}?k=${encodeURIComponent("<x>")}`)).status).toBe(404);
    expect((await call(`/r/R-00000000?k=${token}`)).status).toBe(404);
    const ok = await call(`/r/${reference}?k=${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<meta name="referrer" content="same-origin">');
    expect(ok.headers.get("cache-control")).toBe("no-store");
    // A follow-up with the wrong token changes nothing.
    const follow = await postForm({ message: "Injected follow-up text" }, { path: `/r/${reference}?k=${"b".repeat(32)}` });
    expect(follow.status).toBe(404);
  });

  it("stores only a hash of the token and never the client address", async () => {
    const ip = uniqueIp();
    const { reference, status_url } = (await (await postApi(uniqueReport(), { ip })).json()) as { reference: string; status_url: string };
    const token = new URL(status_url).searchParams.get("k")!;
    const row = (await env.DB.prepare("SELECT * FROM reports WHERE reference = ?1").bind(reference).first<Record<string, unknown>>())!;
    const all = JSON.stringify(row);
    expect(all).not.toContain(token);
    expect(all).not.toContain(ip);
    expect(row.client_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("abuse controls on the form", () => {
  it("refuses a post from another site's form (Origin check) and stores nothing", async () => {
    const form = uniqueReport();
    const res = await postForm(form, { headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    const res2 = await postForm(form, { headers: { origin: "", "sec-fetch-site": "cross-site" } });
    expect(res2.status).toBe(403);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE subject = ?1").bind(form.subject).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("refuses a filled honeypot field", async () => {
    const form = uniqueReport({ website: "http://spam.example" });
    const res = await postForm(form);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This field must stay empty");
  });

  it("can switch a control off with REPORT_PROTECTIONS", async () => {
    const res = await postForm(uniqueReport({ website: "filled" }), { overrides: { REPORT_PROTECTIONS: "rate-limit,origin" } });
    expect(res.status).toBe(303);
  });
});

describe("Turnstile, verified server-side against siteverify", () => {
  it("is off by default locally: no widget, no verification", async () => {
    const page = await (await call("/report")).text();
    expect(page).not.toContain("cf-turnstile");
    expect((await postForm(uniqueReport())).status).toBe(303);
  });

  it("shows the widget and widens the CSP for it when configured", async () => {
    const res = await call("/report", {}, turnstileEnv(turnstileKeys.pass));
    const page = await res.text();
    expect(page).toContain('class="cf-turnstile" data-sitekey="1x00000000000000000000AA"');
    expect(res.headers.get("content-security-policy")).toContain("frame-src https://challenges.cloudflare.com");
  });

  it("accepts a passing token, sending the secret, token and client address", async () => {
    const ip = uniqueIp();
    const res = await postForm(uniqueReport({ "cf-turnstile-response": turnstileKeys.dummyToken }), { ip, overrides: turnstileEnv(turnstileKeys.pass) });
    expect(res.status).toBe(303);
    // This test's request among every file's: the one from its own client address.
    const sent = (await fakeProviders.requests("turnstile")).find((r) => r.body.includes(`"remoteip":"${ip}"`));
    expect(JSON.parse(sent!.body)).toMatchObject({ secret: turnstileKeys.pass, response: turnstileKeys.dummyToken, remoteip: ip });
  });

  it.each([
    ["an always-failing key", turnstileKeys.fail, turnstileKeys.dummyToken, /anti-spam check failed/],
    ["a spent token", turnstileKeys.spent, turnstileKeys.dummyToken, /expired or was already used/],
    ["no token (JavaScript off)", turnstileKeys.pass, "", /needs JavaScript/],
  ])("refuses %s with a message at the check, input kept", async (_name, secret, token, message) => {
    const form = uniqueReport({ "cf-turnstile-response": token });
    const res = await postForm(form, { overrides: turnstileEnv(secret) });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toMatch(message);
    expect(page).toContain(`value="${form.subject}"`);
  });

  it("refuses a reused token", async () => {
    const token = `ok-${crypto.randomUUID()}`;
    const overrides = turnstileEnv(turnstileKeys.production);
    expect((await postForm(uniqueReport({ "cf-turnstile-response": token }), { overrides })).status).toBe(303);
    const again = await postForm(uniqueReport({ "cf-turnstile-response": token }), { overrides });
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/expired or was already used/);
  });

  it("lets the report through when siteverify is unreachable (an urgent report is never lost to it)", async () => {
    const overrides = { ...turnstileEnv(turnstileKeys.pass), TURNSTILE_VERIFY_URL: "http://127.0.0.1:9/siteverify" };
    const res = await postForm(uniqueReport({ "cf-turnstile-response": "anything" }), { overrides });
    expect(res.status).toBe(303);
    expect(referenceFrom(res.headers.get("location"))).toMatch(/^R-/);
  });

  it("lets the report through when siteverify answers 5xx", async () => {
    await fakeProviders.script("turnstile", [{ status: 503, body: "down" }]);
    const res = await postForm(uniqueReport({ "cf-turnstile-response": "anything" }), { overrides: turnstileEnv(turnstileKeys.pass) });
    expect(res.status).toBe(303);
  });
});

describe("staff scopes", () => {
  it("needs reports:write to acknowledge", async () => {
    const { createStaffToken } = await import("../../functions/staff/tokens");
    const { secret } = await createStaffToken(env.DB, { name: "reader", scopes: ["reports:read"], now: new Date() });
    const { reference } = (await (await postApi(uniqueReport())).json()) as { reference: string };
    const auth = { authorization: `Bearer ${secret}` };
    expect((await call(`/api/admin/reports/${reference}`, { headers: auth })).status).toBe(200);
    expect((await call(`/api/admin/reports/${reference}/ack`, { method: "POST", headers: auth })).status).toBe(403);
  });
});
