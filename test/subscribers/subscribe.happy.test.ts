// Subscribing and being told, through the real Worker: the form, the double opt-in, the
// status write's event, the fan-out and the deliveries, with mail recorded and webhook, Slack
// and Teams receivers at the loopback fakes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../functions/platform/webhook-signature";
import { makeComponents } from "../status/fixtures";
import { confirmedEmailSubscribers, fakeUrl, hookRequests, linkIn, pathOf, PUBLIC_URL, subscriberRow, subscriberTest, uniqueEmail } from "./helpers";
import { unique } from "../helpers";

async function openIncident(t: ReturnType<typeof subscriberTest>, body: Record<string, unknown>): Promise<string> {
  const res = await t.staff("POST", "/api/admin/incidents", { status: "investigating", impact: "major", body: "We are looking into it.", ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe("email subscription with double opt-in", () => {
  it("mails a confirmation link, tells nothing before it is confirmed, and everything after", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    const res = await t.subscribe({ channel: "email", email });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/subscribe?sent=email");
    const confirmation = t.mail.filter((m) => m.to === email);
    expect(confirmation).toHaveLength(1);
    const link = linkIn(confirmation[0]!.text, `${PUBLIC_URL}/subscribe/confirm/`);

    // Unconfirmed: an incident reaches nobody at this address.
    await openIncident(t, { name: `Before confirmation ${unique()}` });
    await t.drain();
    expect(t.mail.filter((m) => m.to === email)).toHaveLength(1);

    // Opening the link only shows a button (mail scanners open links too).
    const page = await t.call(pathOf(link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Confirm my subscription");
    const id = link.split("/").at(-1)!.split(".")[0]!;
    expect((await subscriberRow(id))!.state).toBe("pending");

    const confirmed = await t.call(pathOf(link), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:8787" }, body: "via=page" });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You are subscribed");
    expect((await subscriberRow(id))!.state).toBe("active");

    const name = `After confirmation ${unique()}`;
    const incidentId = await openIncident(t, { name });
    await t.drain();
    const updates = t.mail.filter((m) => m.to === email && m.subject.includes(name));
    expect(updates).toHaveLength(1);
    const mail = updates[0]!;
    expect(mail.subject).toBe(`[Example Hosting] ${name}: investigating`);
    expect(mail.text).toContain("We are looking into it.");
    expect(mail.text).toContain(`${PUBLIC_URL}/incidents/${incidentId}`);
    const unsubscribe = linkIn(mail.text, `${PUBLIC_URL}/subscribe/unsubscribe/`);
    expect(mail.headers?.["List-Unsubscribe"]).toBe(`<${unsubscribe}>`);
    expect(mail.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(mail.headers?.["List-Id"]).toContain("<status.status.example-hosting.test>");
  });

  it("a link followed twice confirms once; an expired or replaced link confirms nothing", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    await t.subscribe({ channel: "email", email });
    const first = linkIn(t.mail[0]!.text, `${PUBLIC_URL}/subscribe/confirm/`);
    // Subscribing again sends a new link, which replaces the first.
    await t.subscribe({ channel: "email", email });
    const second = linkIn(t.mail[1]!.text, `${PUBLIC_URL}/subscribe/confirm/`);
    expect(second).not.toBe(first);
    const post = (link: string) => t.call(pathOf(link), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "via=page" });
    expect((await post(first)).status).toBe(404);
    expect((await post(second)).status).toBe(200);
    const again = await post(second);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain("already confirmed");

    // An expired link (48 hours) does nothing.
    const late = uniqueEmail();
    await t.subscribe({ channel: "email", email: late });
    const link = linkIn(t.mail.at(-1)!.text, `${PUBLIC_URL}/subscribe/confirm/`);
    const id = link.split("/").at(-1)!.split(".")[0]!;
    await env.DB.prepare("UPDATE subscribers SET confirm_expires_at = ?2 WHERE id = ?1").bind(id, new Date(Date.now() - 1000).toISOString()).run();
    expect((await post(link)).status).toBe(404);
    expect((await subscriberRow(id))!.state).toBe("pending");
  });

  it("an address already subscribed gets a note with its unsubscribe link, not a second subscription", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    const [id] = await confirmedEmailSubscribers([{ email }]);
    const res = await t.subscribe({ channel: "email", email: email.toUpperCase() });
    expect(res.status).toBe(303);
    expect(t.mail).toHaveLength(1);
    expect(t.mail[0]!.subject).toContain("already get");
    expect(t.mail[0]!.text).toContain(`/subscribe/unsubscribe/${id}.`);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers WHERE target = ?1").bind(email).first<{ n: number }>())!;
    expect(n).toBe(1);
  });
});

describe("per-component subscriptions", () => {
  it("an incident reaches those who chose one of its components or all of them; one naming none reaches everyone", async () => {
    const t = subscriberTest();
    const { ids } = await makeComponents(2);
    const [a, b] = ids as [string, string];
    const all = uniqueEmail("all");
    const onlyA = uniqueEmail("a");
    const onlyB = uniqueEmail("b");
    await confirmedEmailSubscribers([{ email: all }, { email: onlyA, components: [a] }, { email: onlyB, components: [b] }]);

    const onA = `Trouble on A ${unique()}`;
    await openIncident(t, { name: onA, components: { [a]: "partial_outage" } });
    await t.drain();
    // Other tests' subscribers to everything share this file's database: look at ours.
    const mine = new Set([all, onlyA, onlyB]);
    const got = (subject: string) => t.mail.filter((m) => m.subject.includes(subject) && mine.has(m.to)).map((m) => m.to).sort();
    expect(got(onA)).toEqual([all, onlyA].sort());
    const mailA = t.mail.find((m) => m.to === onlyA)!;
    expect(mailA.text).toMatch(/Components:\n {2}Component \S+: Partial outage \(was operational\)/);
    expect(mailA.text).toContain("for some components");

    const general = `Everything slow ${unique()}`;
    await openIncident(t, { name: general });
    await t.drain();
    expect(got(general)).toEqual([all, onlyA, onlyB].sort());
  });

  it("a component moved on its own reaches only those who chose it", async () => {
    const t = subscriberTest();
    const { ids } = await makeComponents(2);
    const [a, b] = ids as [string, string];
    const all = uniqueEmail("all");
    const onlyA = uniqueEmail("a");
    const onlyB = uniqueEmail("b");
    await confirmedEmailSubscribers([{ email: all }, { email: onlyA, components: [a] }, { email: onlyB, components: [b] }]);
    const res = await t.staff("PATCH", `/api/admin/components/${a}`, { status: "degraded_performance" });
    expect(res.status).toBe(200);
    await t.drain();
    expect(t.mail.map((m) => m.to)).toEqual([onlyA]); // not even other tests' subscribers to everything
    expect(t.mail[0]!.subject).toBe(`[Example Hosting] Component ${a}: degraded performance`);
    expect(t.mail[0]!.text).toContain(`Component ${a} is now degraded performance (it was operational).`);
  });

  it("staff who untick 'notify subscribers' tell nobody, and the update is still published", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    await confirmedEmailSubscribers([{ email }]);
    const name = `Quiet fix ${unique()}`;
    const id = await openIncident(t, { name, notify: { subscribers: false } });
    await t.drain();
    expect(t.mail.filter((m) => m.to === email)).toEqual([]);
    const row = await env.DB.prepare("SELECT payload FROM status_events WHERE incident_id = ?1").bind(id).first<{ payload: string }>();
    expect(JSON.parse(row!.payload).notify).toEqual({ subscribers: false, social: true });
  });

  it("updates and the resolution reach the same subscribers, each once", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    await confirmedEmailSubscribers([{ email }]);
    const name = `Mail delayed ${unique()}`;
    const id = await openIncident(t, { name });
    expect((await t.staff("POST", `/api/admin/incidents/${id}/updates`, { status: "identified", body: "A full disk on mx2." })).status).toBe(201);
    expect((await t.staff("POST", `/api/admin/incidents/${id}/updates`, { status: "resolved", body: "Mail flows again." })).status).toBe(201);
    await t.drain();
    expect(t.mail.filter((m) => m.to === email).map((m) => m.subject)).toEqual([
      `[Example Hosting] ${name}: investigating`,
      `[Example Hosting] ${name}: identified`,
      `[Example Hosting] ${name}: resolved`,
    ]);
  });
});

describe("webhook subscriptions", () => {
  it("verifies the endpoint with a signed ping it must echo, shows the secret once, and signs every delivery with it", async () => {
    const t = subscriberTest();
    const path = unique("hook");
    const url = `${fakeUrl()}/subscriber-hook/${path}`;
    const res = await t.subscribe({ channel: "webhook", url });
    expect(res.status).toBe(200);
    const html = await res.text();
    const secret = /whsec_[A-Za-z0-9_-]+/.exec(html)?.[0];
    expect(secret).toBeDefined();
    const [ping] = await hookRequests("subscriber-hook", path);
    const pingBody = JSON.parse(ping!.body);
    expect(pingBody).toMatchObject({ type: "subscription.verify", page: { id: "outofband" } });
    expect(await verifyWebhookSignature(secret!, ping!.headers["x-outofband-signature"] ?? null, ping!.body, Math.floor(Date.now() / 1000))).toBe(true);
    const row = await env.DB.prepare("SELECT state, secret FROM subscribers WHERE target = ?1").bind(url).first<{ state: string; secret: string }>();
    expect(row).toEqual({ state: "active", secret });

    const name = `Webhook told ${unique()}`;
    const incidentId = await openIncident(t, { name });
    await t.drain();
    const deliveries = (await hookRequests("subscriber-hook", path)).slice(1);
    expect(deliveries).toHaveLength(1);
    const d = deliveries[0]!;
    expect(await verifyWebhookSignature(secret!, d.headers["x-outofband-signature"] ?? null, d.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(await verifyWebhookSignature("whsec_someone_else", d.headers["x-outofband-signature"] ?? null, d.body, Math.floor(Date.now() / 1000))).toBe(false);
    const body = JSON.parse(d.body);
    // Statuspage's webhook shape: meta, page, incident.
    expect(body.meta.unsubscribe).toMatch(new RegExp(`^${PUBLIC_URL}/subscribe/unsubscribe/sub_`));
    expect(body.page).toMatchObject({ id: "outofband", status_indicator: expect.any(String), status_description: expect.any(String) });
    expect(body.incident).toMatchObject({ id: incidentId, name, status: "investigating", impact: "major" });
    expect(body.incident.incident_updates[0]).toMatchObject({ status: "investigating", body: "We are looking into it." });
  });

  it("accepts the challenge echoed as plain text too, and refuses an endpoint that does not echo it", async () => {
    const t = subscriberTest();
    const ok = `${fakeUrl()}/subscriber-hook/text-echo/${unique()}`;
    expect((await t.subscribe({ channel: "webhook", url: ok })).status).toBe(200);
    const deaf = `${fakeUrl()}/subscriber-hook/no-echo/${unique()}`;
    const res = await t.subscribe({ channel: "webhook", url: deaf });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("not with the challenge");
    expect(await env.DB.prepare("SELECT 1 FROM subscribers WHERE target = ?1").bind(deaf).first()).toBeNull();
  });

  it("posts Slack incoming-webhook JSON and a Teams Adaptive Card", async () => {
    const t = subscriberTest();
    const slackPath = unique("slack");
    const teamsPath = unique("teams");
    expect((await t.subscribe({ channel: "slack", url: `${fakeUrl()}/slack/services/T0/B0/${slackPath}` })).status).toBe(200);
    expect((await t.subscribe({ channel: "teams", url: `${fakeUrl()}/teams/workflows/${teamsPath}` })).status).toBe(200);
    const [slackWelcome] = await hookRequests("slack", slackPath);
    expect(JSON.parse(slackWelcome!.body).text).toContain("status updates");

    const name = `Chat told ${unique()} <!channel> & co`;
    await openIncident(t, { name });
    await t.drain();
    const slack = JSON.parse((await hookRequests("slack", slackPath))[1]!.body);
    // Slack's three escapes: a title cannot ping @channel.
    expect(slack.text).toContain("&lt;!channel&gt; &amp; co");
    expect(slack.text).not.toContain("<!channel>");
    expect(slack.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: `${name}: investigating`, emoji: false } });
    expect(slack.blocks.at(-1).elements[0].text).toMatch(/<https:\/\/status\.example-hosting\.test\/subscribe\/unsubscribe\/sub_[a-z0-9]+\.[0-9a-f]+\|Unsubscribe>/);

    const teams = JSON.parse((await hookRequests("teams", teamsPath))[1]!.body);
    expect(teams.type).toBe("message");
    expect(teams.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = teams.attachments[0].content;
    expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(card.body[0].text).toBe(`${name}: investigating`);
    expect(card.actions.map((a: { title: string }) => a.title)).toEqual(["Details", "Unsubscribe"]);
  });
});
