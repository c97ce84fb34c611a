// The subscribe form is a mail sender (and a request sender) anyone can drive. Each test tries
// it the way an attacker would: many subscriptions for one victim address, one client mailing
// many addresses, another site's form, a bot filling every field, a webhook URL used to make
// us post at someone, and the staff routes without the right token.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createStaffToken } from "../../functions/staff/tokens";
import { unique } from "../helpers";
import { fakeUrl, hookRequests, subscriberTest, uniqueEmail, uniqueIp } from "./helpers";

async function subscriberCount(target: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers WHERE target = ?1").bind(target).first<{ n: number }>())!.n;
}

describe("the subscribe form as a mail sender", () => {
  it("mails one victim address at most CONFIRMATIONS_PER_ADDRESS_PER_HOUR times, whatever the number of clients", async () => {
    const t = subscriberTest();
    const victim = uniqueEmail("victim");
    for (let i = 0; i < 8; i++) {
      const res = await t.subscribe({ channel: "email", email: victim }, { ip: uniqueIp() });
      // The same answer every time: the form tells nothing about the address.
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/subscribe?sent=email");
    }
    expect(t.mail.filter((m) => m.to === victim)).toHaveLength(Number(env.CONFIRMATIONS_PER_ADDRESS_PER_HOUR));
  });

  it("lets one client cause at most CONFIRMATIONS_PER_CLIENT_PER_HOUR mails, whatever addresses it gives", async () => {
    const t = subscriberTest({ overrides: { CONFIRMATIONS_PER_CLIENT_PER_HOUR: "2" } });
    const ip = uniqueIp();
    // Under the per-minute rate limit (5), over the hourly mail cap (2).
    for (let i = 0; i < 4; i++) expect((await t.subscribe({ channel: "email", email: uniqueEmail("list") }, { ip })).status).toBe(303);
    expect(t.mail).toHaveLength(2);
  });

  it("puts nothing the sender chose into the confirmation mail, not even the address", async () => {
    const t = subscriberTest();
    const victim = `buy-cheap-watches-at-spam-example-${crypto.randomUUID().slice(0, 6)}@customers.example`;
    await t.subscribe({ channel: "email", email: victim });
    expect(t.mail).toHaveLength(1);
    const [mail] = t.mail;
    for (const part of [mail!.subject, mail!.text]) {
      expect(part).not.toContain("watches");
      expect(part).not.toContain(victim);
    }
    expect(mail!.text).toContain("If you did not ask for this, ignore this mail");
  });

  it("rate-limits a client posting the form over and over (429, with Retry-After)", async () => {
    const t = subscriberTest();
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.subscribe({ channel: "email", email: uniqueEmail("flood") }, { ip })).status);
    expect(statuses.slice(0, 5)).toEqual([303, 303, 303, 303, 303]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await t.subscribe({ channel: "email", email: uniqueEmail("flood") }, { ip });
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.text()).toContain("Too many subscription requests");
  });

  it("refuses a post from another site's form (spoofed Origin): 403, nothing stored, nothing sent", async () => {
    const t = subscriberTest();
    const victim = uniqueEmail("csrf");
    const res = await t.subscribe({ channel: "email", email: victim }, { headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(t.mail).toEqual([]);
    expect(await subscriberCount(victim)).toBe(0);
    // A browser that sends only Sec-Fetch-Site: cross-site is refused too.
    const res2 = await t.call("/subscribe", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site", "cf-connecting-ip": uniqueIp() },
      body: new URLSearchParams({ channel: "email", email: victim }).toString(),
    });
    expect(res2.status).toBe(403);
    expect(await subscriberCount(victim)).toBe(0);
  });

  it("refuses a bot that fills the honeypot: 400, nothing stored, nothing sent", async () => {
    const t = subscriberTest();
    const victim = uniqueEmail("bot");
    const res = await t.subscribe({ channel: "email", email: victim, website: "http://spam.example" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This field must stay empty");
    expect(t.mail).toEqual([]);
    expect(await subscriberCount(victim)).toBe(0);
  });

  it("refuses bad input with a message at the field and keeps what was typed (escaped)", async () => {
    const t = subscriberTest();
    const res = await t.subscribe({ channel: "email", email: `"><script>alert(1)</script>` });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Enter an email address like name@example.com.");
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;");
    const unknown = await t.subscribe({ channel: "email", email: uniqueEmail(), component: "cmp_does_not_exist" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("There is no component cmp_does_not_exist.");
  });
});

describe("the subscribe form as a request sender", () => {
  it("posts at most CONFIRMATIONS_PER_ADDRESS_PER_HOUR verification pings to one URL an hour", async () => {
    const t = subscriberTest();
    const path = unique("target");
    const url = `${fakeUrl()}/subscriber-hook/no-echo/${path}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.subscribe({ channel: "webhook", url }, { ip: uniqueIp() })).status);
    const cap = Number(env.CONFIRMATIONS_PER_ADDRESS_PER_HOUR);
    expect(statuses.filter((s) => s === 400)).toHaveLength(cap); // pinged; it did not echo
    expect(statuses.filter((s) => s === 429)).toHaveLength(5 - cap);
    expect(await hookRequests("subscriber-hook", path)).toHaveLength(cap);
  });

  it("never follows a redirect from a webhook URL", async () => {
    const t = subscriberTest();
    const path = unique("redirect");
    await fetch(`${fakeUrl()}/__script`, {
      method: "POST",
      body: JSON.stringify({ provider: "subscriber-hook", match: path, responses: [{ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }] }),
    });
    const res = await t.subscribe({ channel: "webhook", url: `${fakeUrl()}/subscriber-hook/${path}` });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("HTTP 302");
  });

  it("in production takes https only, and for Slack only hooks.slack.com", async () => {
    const t = subscriberTest({ overrides: { ENVIRONMENT: "production" } });
    const plain = await t.subscribe({ channel: "webhook", url: "http://hooks.example/x" });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain("Use an https:// address.");
    const slack = await t.subscribe({ channel: "slack", url: "https://evil.example/services/T0/B0/x" });
    expect(slack.status).toBe(400);
    expect(await slack.text()).toContain("https://hooks.slack.com/");
  });
});

describe("links and staff routes", () => {
  it("a confirmation token with another subscriber's id, or a guessed secret, confirms nothing", async () => {
    const t = subscriberTest();
    const a = uniqueEmail("a");
    const b = uniqueEmail("b");
    await t.subscribe({ channel: "email", email: a });
    await t.subscribe({ channel: "email", email: b });
    const linkA = /\/subscribe\/confirm\/(sub_[a-z0-9]+)\.(\S+)/.exec(t.mail.find((m) => m.to === a)!.text)!;
    const linkB = /\/subscribe\/confirm\/(sub_[a-z0-9]+)\.(\S+)/.exec(t.mail.find((m) => m.to === b)!.text)!;
    for (const token of [`${linkB[1]}.${linkA[2]}`, `${linkA[1]}.${"A".repeat(32)}`]) {
      const res = await t.call(`/subscribe/confirm/${token}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "via=page" });
      expect(res.status).toBe(404);
    }
    const states = await env.DB.prepare("SELECT state FROM subscribers WHERE target IN (?1, ?2)").bind(a, b).all<{ state: string }>();
    expect(states.results.map((r) => r.state)).toEqual(["pending", "pending"]);
  });

  it("the staff subscriber routes need a token, and the admin scope", async () => {
    const t = subscriberTest();
    const { secret: token } = await createStaffToken(env.DB, { name: `publisher-${unique()}`, scopes: ["status:write", "reports:write"], now: new Date() });
    for (const [method, path, body] of [
      ["GET", "/api/admin/subscribers", undefined],
      ["POST", "/api/admin/subscribers", { subscribers: [{ email: uniqueEmail() }] }],
      ["DELETE", "/api/admin/subscribers/sub_aaaaaaaaaaaa", undefined],
    ] as const) {
      const anonymous = await t.call(path, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
      expect(anonymous.status, `${method} ${path} anonymous`).toBe(401);
      const wrong = await t.call(path, { method, headers: { authorization: "Bearer oob_not_a_token", "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
      expect(wrong.status, `${method} ${path} wrong token`).toBe(401);
      const publisher = await t.call(path, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
      expect(publisher.status, `${method} ${path} without admin`).toBe(403);
    }
  });
});
