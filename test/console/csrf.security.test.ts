// CSRF, tried the way an attacker would: a form on another site posting to the console with
// the victim's cookie (which SameSite=Strict already withholds; these tests send it anyway, as
// if a browser did not), a post without the token, with a wrong one, with the token of another
// session, from a sandboxed frame (Origin: null), and login CSRF on the sign-in form. Each
// refusal changes nothing: the component keeps its status.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWorker } from "../helpers";
import { makeComponents } from "../status/fixtures";
import { BASE, consoleGet, consolePost, LOCAL, scriptPost, signedIn } from "./helpers";

async function statusOf(id: string): Promise<string> {
  return (await env.DB.prepare("SELECT status FROM components WHERE id = ?1").bind(id).first<{ status: string }>())!.status;
}

describe("console writes refuse cross-site and tokenless posts", () => {
  it("accepts the genuine post (the control: the same request as below, done right)", async () => {
    const { ids } = await makeComponents(1);
    const s = await signedIn("publisher");
    const res = await consolePost(`/admin/components/${ids[0]}`, s, { status: "partial_outage" });
    expect(res.status).toBe(303);
    expect(await statusOf(ids[0]!)).toBe("partial_outage");
  });

  it.each<[string, (s: Awaited<ReturnType<typeof signedIn>>, other: Awaited<ReturnType<typeof signedIn>>) => Parameters<typeof consolePost>[3]]>([
    ["a form on another site (Origin: evil)", () => ({ headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } })],
    ["a form on a look-alike host", () => ({ headers: { origin: "http://127.0.0.1:8787.evil.example" } })],
    ["a sandboxed frame (Origin: null)", () => ({ headers: { origin: "null" } })],
    ["no Origin, but Fetch Metadata says cross-site", () => ({ headers: { origin: "", "sec-fetch-site": "cross-site" } })],
    ["no Origin, and Fetch Metadata says same-site (a sibling subdomain)", () => ({ headers: { origin: "", "sec-fetch-site": "same-site" } })],
    ["no CSRF token", () => ({ csrf: null })],
    ["a wrong CSRF token", () => ({ csrf: "A".repeat(43) })],
    ["an empty CSRF token", () => ({ csrf: "" })],
    ["the CSRF token of another session", (_s, other) => ({ csrf: other.csrf })],
  ])("refuses %s with 403 and changes nothing", async (_name, attack) => {
    const { ids } = await makeComponents(1);
    const victim = await signedIn("publisher");
    const other = await signedIn("publisher");
    const res = await consolePost(`/admin/components/${ids[0]}`, victim, { status: "major_outage" }, attack(victim, other));
    expect(res.status).toBe(403);
    expect(await statusOf(ids[0]!)).toBe("operational");
  });

  it("accepts a post without Origin or Fetch Metadata (an old browser, a script) when the token is right", async () => {
    const { ids } = await makeComponents(1);
    const s = await signedIn("publisher");
    const res = await fetchWorker(`/admin/components/${ids[0]}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: s.cookie },
      body: new URLSearchParams({ csrf: s.csrf, status: "degraded_performance" }).toString(),
    });
    expect(res.status).toBe(303);
    expect(await statusOf(ids[0]!)).toBe("degraded_performance");
  });

  it("never acts on a GET: signing out needs the form", async () => {
    const s = await signedIn("responder");
    const res = await consoleGet("/admin/sign-out", s);
    expect(res.status).toBe(405);
    expect((await consoleGet("/admin", s)).status).toBe(200);
  });

  it("takes the token from X-CSRF-Token for the passkey script, and refuses a wrong one", async () => {
    const s = await signedIn("responder");
    const ok = await scriptPost("/admin/me/passkeys/options", {}, { cookie: s.cookie, csrf: s.csrf });
    expect(ok.status).toBe(200);
    const bad = await scriptPost("/admin/me/passkeys/options", {}, { cookie: s.cookie, csrf: "B".repeat(43) });
    expect(bad.status).toBe(403);
  });
});

describe("login CSRF on the sign-in form", () => {
  async function signInForm(): Promise<{ cookie: string; field: string }> {
    const res = await consoleGet("/admin/sign-in", null);
    const set = res.headers.get("set-cookie") ?? "";
    const cookie = /__Host-oob_signin=([^;]+)/.exec(set)![1]!;
    const field = /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!;
    return { cookie, field };
  }

  function post(fields: Record<string, string>, headers: Record<string, string>) {
    return fetchWorker("/admin/sign-in", {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  it("signs in with the form's own token and cookie (the control)", async () => {
    const { cookie, field } = await signInForm();
    expect(cookie).toBe(field);
    const res = await post({ csrf: field, token: env.STAFF_TOKEN }, { origin: BASE, cookie: `__Host-oob_signin=${cookie}` });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toContain("__Host-oob_session=");
  });

  it("refuses an attacker's site posting its own valid token into the victim's browser", async () => {
    const { cookie, field } = await signInForm();
    const res = await post({ csrf: field, token: env.STAFF_TOKEN }, { origin: "https://evil.example", "sec-fetch-site": "cross-site", cookie: `__Host-oob_signin=${cookie}` });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie") ?? "").not.toContain("__Host-oob_session=");
  });

  it("refuses a same-origin post whose form token does not match its cookie (or has none)", async () => {
    const { cookie } = await signInForm();
    for (const headers of [{ origin: BASE, cookie: `__Host-oob_signin=${cookie}` }, { origin: BASE }] as Array<Record<string, string>>) {
      const res = await post({ csrf: "C".repeat(32), token: env.STAFF_TOKEN }, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get("set-cookie") ?? "").not.toContain("__Host-oob_session=");
    }
  });

  it("refuses passkey requests from another origin or without one", async () => {
    for (const headers of [{ origin: "https://evil.example" }, { origin: "" }]) {
      const res = await fetchWorker(`${LOCAL}/admin/sign-in/passkey/options`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...(headers.origin ? headers : {}) },
        body: "{}",
      });
      expect(res.status).toBe(403);
    }
  });
});

