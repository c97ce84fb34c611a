// Every channel adapter against its loopback fake provider: the provider's real request shape,
// and its limits and errors (429 with Retry-After, 5xx, 4xx, time-outs) mapped to retry or not.
import { describe, expect, it } from "vitest";
import type { ContactMethod } from "../../contract/oncall";
import { channels } from "../../functions/channels/registry";
import { ChannelError, type AlertMessage, type SendPurpose } from "../../functions/channels/types";
import { verifyWebhookSignature } from "../../functions/channels/webhook";
import { fakeProviders, unique } from "../helpers";
import { fakeUrl, testEnv } from "../alerts/helpers";

function message(alertId = unique("al")): AlertMessage {
  return {
    alertId,
    ackCode: "7KQ2M",
    what: "Web hosting",
    component: "Web hosting",
    subject: "All sites give 502",
    reportCount: 3,
    firstText: "Since 10:02 every site on web12 answers 502 & <b>nothing</b> loads.",
    urgency: "critical",
    reporter: null,
    ackUrl: `https://status.example-hosting.test/ack/${alertId}.alice.mh3k2p1.0123456789abcdef0123456789abcdef`,
    ackToken: `${alertId}.alice.mh3k2p1.0123456789abcdef0123456789abcdef`,
    title: "ALERT 7KQ2M: Web hosting: All sites give 502",
    text: `[Example Hosting] ALERT 7KQ2M: Web hosting: All sites give 502 (3 reports). "Since 10:02…" Ack: https://status.example-hosting.test/ack/${alertId} or reply 4`,
  };
}

async function send(method: ContactMethod, msg = message(), opts: { purpose?: SendPurpose; timeoutMs?: number; env?: Partial<Env> } = {}) {
  const t = testEnv();
  const env = { ...t.env, ...opts.env } as Env;
  const adapter = channels[method.type] as (typeof channels)[typeof method.type] & { send: (c: unknown, m: ContactMethod, msg: AlertMessage) => Promise<{ providerId: string | null }> };
  const result = await adapter.send({ env, deliveryId: `${msg.alertId}:0:0:alice:0`, purpose: opts.purpose ?? "page", timeoutMs: opts.timeoutMs ?? 3000 }, method, msg);
  return { result, mail: t.mail };
}

async function requestsFor(provider: string, marker: string) {
  return (await fakeProviders.requests(provider)).filter((r) => r.body.includes(marker) || r.path.includes(marker));
}

async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

describe("channel adapters speak their provider's request shape", () => {
  it("email: Cloudflare send_email with subject, text and an HTML link", async () => {
    const msg = message();
    const { result, mail } = await send({ type: "email", address: "alice@ops.example.test" }, msg);
    expect(result.providerId).toMatch(/@test>$/);
    expect(mail[0]).toMatchObject({ to: "alice@ops.example.test", from: "status@example-hosting.test", subject: "[7KQ2M] ALERT 7KQ2M: Web hosting: All sites give 502" });
    expect(mail[0]!.html).toContain(`href="${msg.ackUrl}"`);
    expect(mail[0]!.html).toContain("&lt;b&gt;nothing&lt;/b&gt;");
  });

  it("sms: Twilio Messages API, form-encoded with basic auth", async () => {
    const msg = message();
    const { result } = await send({ type: "sms", number: "+31612345678" }, msg);
    const [req] = await requestsFor("twilio", msg.alertId);
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
    expect(req!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req!.headers.authorization).toBe(`Basic ${btoa("AC0123456789abcdef0123456789abcdef:twilio-test-auth-token")}`);
    const form = new URLSearchParams(req!.body);
    expect(Object.fromEntries(form)).toEqual({
      To: "+31612345678",
      From: "+15005550006",
      Body: msg.text,
      StatusCallback: `https://status.example-hosting.test/hooks/twilio/status/${encodeURIComponent(`${msg.alertId}:0:0:alice:0`)}`,
    });
    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("voice: Twilio Calls API with TwiML that reads the alert and gathers 4 to a signed webhook", async () => {
    const msg = message();
    const { result } = await send({ type: "voice", number: "+31612345678" }, msg);
    const [req] = await requestsFor("twilio", msg.alertId);
    expect(req!.path).toMatch(/\/Calls\.json$/);
    const twiml = new URLSearchParams(req!.body).get("Twiml")!;
    expect(twiml).toContain(`<Gather numDigits="1" timeout="10" method="POST" action="https://status.example-hosting.test/hooks/twilio/voice/${msg.ackToken}">`);
    expect(twiml).toContain("Alert for Web hosting. 3 reports.");
    expect(twiml).toContain("Press 4 to acknowledge.");
    expect(twiml).toContain("&amp; &lt;b&gt;"); // reporter text is escaped inside XML
    expect(result.providerId).toMatch(/^CA/);
  });

  it("slack: incoming webhook JSON with text and an Acknowledge button", async () => {
    const path = unique("hook");
    await send({ type: "slack", webhookUrl: `${fakeUrl()}/slack/services/T0/B0/${path}` });
    const [req] = await requestsFor("slack", path);
    const body = JSON.parse(req!.body);
    expect(body.text).toContain("ALERT 7KQ2M");
    expect(body.blocks[1].elements[0]).toMatchObject({ type: "button", text: { type: "plain_text", text: "Acknowledge" } });
  });

  it("discord: webhook with wait=true, no mentions, an embed linking the ack page", async () => {
    const path = unique("hook");
    const { result } = await send({ type: "discord", webhookUrl: `${fakeUrl()}/discord/api/webhooks/1/${path}` });
    const [req] = await requestsFor("discord", path);
    expect(req!.path).toContain("wait=true");
    const body = JSON.parse(req!.body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0].url).toContain("/ack/");
    const long = await send({ type: "discord", webhookUrl: `${fakeUrl()}/discord/api/webhooks/1/${path}-long` }, { ...message(), title: "T".repeat(400) });
    expect(long.result.providerId).not.toBeNull();
    const [longReq] = await requestsFor("discord", `${path}-long`);
    expect(JSON.parse(longReq!.body).embeds[0].title.length).toBeLessThanOrEqual(256);
    expect(result.providerId).toMatch(/^\d+$/);
  });

  it("teams: workflow webhook with one Adaptive Card attachment", async () => {
    const path = unique("flow");
    await send({ type: "teams", webhookUrl: `${fakeUrl()}/teams/workflows/${path}` });
    const [req] = await requestsFor("teams", path);
    const body = JSON.parse(req!.body);
    expect(body.type).toBe("message");
    expect(body.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(body.attachments[0].content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(body.attachments[0].content.actions[0]).toMatchObject({ type: "Action.OpenUrl", title: "Acknowledge" });
  });

  it("telegram: sendMessage with an inline Acknowledge URL button", async () => {
    const msg = message();
    const { result } = await send({ type: "telegram", chatId: "-100123456" }, msg);
    const [req] = await requestsFor("telegram", msg.alertId);
    expect(req!.path).toBe("/bot123456:TEST-token/sendMessage");
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({ chat_id: "-100123456", text: msg.text, reply_markup: { inline_keyboard: [[{ text: "Acknowledge", url: msg.ackUrl }]] } });
    expect(result.providerId).toBe("4711");
  });

  it("ntfy: JSON publish at max priority with an http action that POSTs the ack link", async () => {
    const msg = message();
    const { result } = await send({ type: "ntfy", topic: "ops-pages" }, msg);
    const [req] = await requestsFor("ntfy", msg.alertId);
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({ topic: "ops-pages", priority: 5, title: msg.title });
    expect(body.actions).toEqual([{ action: "http", label: "Acknowledge", url: `${msg.ackUrl}?via=ntfy`, method: "POST", headers: { accept: "application/json" }, clear: true }]);
    expect(result.providerId).toBe("hwQ2YpKdmg");
  });

  it("pushover: emergency priority 2 with retry/expire, answering a receipt", async () => {
    const msg = message();
    const { result } = await send({ type: "pushover", userKey: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }, msg);
    const [req] = await requestsFor("pushover", msg.alertId);
    const form = Object.fromEntries(new URLSearchParams(req!.body));
    expect(form).toMatchObject({ token: "azGDORePK8gMaC0QOYAMyEEuzJnyUi", user: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", priority: "2", retry: "60", expire: "3600", url: msg.ackUrl, callback: `${msg.ackUrl}?via=pushover` });
    expect(result.providerId).toBe("rLqVuqTRh62UzxtmqiaLzQmVcPgiCy");
  });

  it.each<[SendPurpose, string]>([
    ["page", "trigger"],
    ["acknowledge", "acknowledge"],
    ["resolve", "resolve"],
  ])("pagerduty: Events API v2 %s -> %s with dedup_key = alert id", async (purpose, action) => {
    const msg = message();
    const { result } = await send({ type: "pagerduty", routingKey: "R0123456789abcdef0123456789abcde" }, msg, { purpose });
    const [req] = await requestsFor("pagerduty", msg.alertId);
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({ routing_key: "R0123456789abcdef0123456789abcde", event_action: action, dedup_key: msg.alertId });
    if (action === "trigger") expect(body.payload).toMatchObject({ severity: "critical", source: "status.example-hosting.test", component: "Web hosting" });
    else expect(body.payload).toBeUndefined();
    expect(result.providerId).toBe(msg.alertId);
  });

  it("webhook: JSON signed with HMAC-SHA256 over timestamp.body, verifiable within the replay window", async () => {
    const path = unique("recv");
    const msg = message();
    await send({ type: "webhook", url: `${fakeUrl()}/webhook/${path}` }, msg);
    const [req] = await requestsFor("webhook", path);
    const header = req!.headers["x-outofband-signature"]!;
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect(JSON.parse(req!.body)).toMatchObject({ event: "alert.triggered", alert: { id: msg.alertId, code: "7KQ2M", report_count: 3 } });
    expect(await verifyWebhookSignature("whsec-test", header, req!.body, t + 10)).toBe(true);
    expect(await verifyWebhookSignature("whsec-test", header, req!.body.replace("7KQ2M", "XXXXX"), t)).toBe(false);
    expect(await verifyWebhookSignature("other-secret", header, req!.body, t)).toBe(false);
    expect(await verifyWebhookSignature("whsec-test", header, req!.body, t + 301)).toBe(false); // replayed later
    expect(await verifyWebhookSignature("whsec-test", null, req!.body, t)).toBe(false);
  });
});

describe("channel adapters honour limits and errors", () => {
  it("429 with a Retry-After header: retryable, waiting as told (pushover)", async () => {
    await fakeProviders.script("pushover", [{ status: 429, headers: { "retry-after": "30" }, body: { status: 0, errors: ["too many"] } }]);
    const err = await failure(send({ type: "pushover", userKey: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterSeconds).toBe(30);
  });

  it("429 with the wait in the body: retryable (telegram parameters.retry_after)", async () => {
    await fakeProviders.script("telegram", [{ status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } } }]);
    const err = await failure(send({ type: "telegram", chatId: "12345" }));
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: 7 });
  });

  it("5xx: retryable without a wait (teams)", async () => {
    await fakeProviders.script("teams", [{ status: 502, body: "Bad gateway" }]);
    const err = await failure(send({ type: "teams", webhookUrl: `${fakeUrl()}/teams/${unique("f")}` }));
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: null });
    expect(err.message).toContain("HTTP 502");
  });

  it("4xx other than 429: permanent, trying again would not help (discord 404 unknown webhook)", async () => {
    await fakeProviders.script("discord", [{ status: 404, body: { message: "Unknown Webhook", code: 10015 } }]);
    const err = await failure(send({ type: "discord", webhookUrl: `${fakeUrl()}/discord/${unique("w")}` }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("Unknown Webhook");
  });

  it("a provider that does not answer in time: retryable (ntfy)", async () => {
    await fakeProviders.script("ntfy", [{ status: 200, body: { id: "late" }, delayMs: 1500 }]);
    const started = Date.now();
    const err = await failure(send({ type: "ntfy", topic: "slow-topic" }, message(), { timeoutMs: 300 }));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("no answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it("a missing secret: permanent, and names the secret (telegram)", async () => {
    const err = await failure(send({ type: "telegram", chatId: "12345" }, message(), { env: { TELEGRAM_BOT_TOKEN: "" } }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("TELEGRAM_BOT_TOKEN");
  });

  it("mail the binding refuses: retryable (the queue backs off)", async () => {
    const t = testEnv({ mailFails: true });
    const err = await failure(channels.email.send({ env: t.env, deliveryId: "x", purpose: "page", timeoutMs: 1000 }, { type: "email", address: "a@example.test" }, message()));
    expect(err.retryable).toBe(true);
  });
});
