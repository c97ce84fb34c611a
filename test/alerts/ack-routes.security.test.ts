// Acknowledging: GET on the link only shows a confirmation page (scanners and link previews
// GET); POST acknowledges. Twilio's SMS replies and the voice digit are verified by
// X-Twilio-Signature (valid, tampered, missing).
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signAckToken } from "../../functions/alerts/ack-token";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { findAlert } from "../../functions/alerts/queries";
import { twilioSignature } from "../../functions/alerts/twilio-signature";
import { createApp } from "../../functions/app";
import { unique } from "../helpers";
import { alertOfReport, drain, insertReport, pushConfig, testEnv, quietOnCall } from "./helpers";

// Each test starts with nobody busy (see quietOnCall).
beforeEach(quietOnCall);

const app = createApp();
const PUBLIC = "https://status.example-hosting.test";
const PAT_PHONE = "+15005550100";

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "pat", name: "Pat", timezone: "UTC", contactMethods: [{ type: "email", address: "pat@ops.example.test" }, { type: "sms", number: PAT_PHONE }] }],
    policies: [
      { id: "only", levels: [{ timeoutMinutes: 5, targets: [{ person: "pat" }] }] },
      { id: "second", levels: [{ timeoutMinutes: 5, targets: [{ person: "pat" }] }] },
    ],
    routing: { rules: [{ components: ["cmp_second"], policy: "second" }], defaultPolicy: "only" },
  }, new Date("2026-01-01T00:00:00Z"));
});

async function raise(subject = "Web hosting down", opts: { mailFails?: boolean; componentId?: string; at?: Date } = {}) {
  const t = testEnv(opts);
  const at = opts.at ?? new Date();
  const r = await insertReport({ subject, componentId: opts.componentId ?? unique("cmp"), createdAt: at });
  await handleReportReceived(t.svc, r.job, at);
  await drain(t, at);
  const alertId = (await alertOfReport(r.id))!;
  const token = await signAckToken(env.ACK_SIGNING_KEY, { alertId, personId: "pat", expiresAt: new Date(Date.now() + 3_600_000) });
  return { t, alertId, token, mail: t.mail };
}

function request(t: ReturnType<typeof testEnv>, path: string, init?: RequestInit) {
  return app.request(`${PUBLIC}${path}`, init, t.env);
}

async function twilioPost(t: ReturnType<typeof testEnv>, path: string, params: Record<string, string>, signature?: string | null) {
  const sig = signature === undefined ? await twilioSignature(t.env.TWILIO_AUTH_TOKEN, `${PUBLIC}${path}`, Object.entries(params)) : signature;
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (sig) headers["x-twilio-signature"] = sig;
  return request(t, path, { method: "POST", headers, body: new URLSearchParams(params).toString() });
}

/** A Twilio message id as Twilio makes them: SM and 32 hex digits. */
function messageSid(): string {
  return `SM${crypto.randomUUID().replaceAll("-", "")}`;
}

describe("acknowledgement link", () => {
  it("the page mail carries a link that GET shows without acknowledging", async () => {
    const { t, alertId, mail } = await raise("All sites on web12 give 502");
    const link = /https:\/\/status\.example-hosting\.test(\/ack\/[^\s"]+)/.exec(mail[0]!.text)![1]!;
    for (let i = 0; i < 3; i++) {
      const res = await request(t, link);
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain("All sites on web12 give 502");
      expect(page).toContain('<form method="post"');
      expect(res.headers.get("x-robots-tag")).toBe("noindex, nofollow");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    const head = await request(t, link, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
  });

  it("POST acknowledges, redirects to the page, which then says who and hides the button", async () => {
    const { t, alertId, token } = await raise();
    const res = await request(t, `/ack/${token}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/ack/${token}`);
    const alert = (await findAlert(env.DB, alertId))!;
    expect(alert).toMatchObject({ state: "acknowledged", acknowledgedBy: "Pat" });
    const page = await (await request(t, `/ack/${token}`)).text();
    expect(page).toContain("Acknowledged by Pat");
    expect(page).not.toContain('<form method="post"');
    // A second POST is harmless.
    expect((await request(t, `/ack/${token}`, { method: "POST" })).status).toBe(303);
  });

  it("Pushover's acknowledgement callback (a form POST to the link) acknowledges and gets JSON", async () => {
    const { t, alertId, token } = await raise();
    const res = await request(t, `/ack/${token}?via=pushover`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "receipt=rLqVuqTRh62UzxtmqiaLzQmVcPgiCy&acknowledged=1&acknowledged_at=1795866537&acknowledged_by=uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: "acknowledged", acknowledged_now: true });
    expect((await findAlert(env.DB, alertId))!.acknowledgedBy).toBe("Pat");
  });

  it("the ntfy action (POST, Accept: application/json) gets JSON", async () => {
    const { t, alertId, token } = await raise();
    const res = await request(t, `/ack/${token}?via=ntfy`, { method: "POST", headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ alert: alertId, state: "acknowledged", acknowledged_now: true, acknowledged_by: "Pat" });
    const ev = await env.DB.prepare("SELECT message FROM alert_events WHERE alert_id = ?1 AND type = 'acknowledged'").bind(alertId).first<{ message: string }>();
    expect(ev!.message).toBe("Acknowledged by Pat (ntfy action).");
  });

  it.each([
    ["a tampered token", (tk: string) => tk.replace(/.$/, (c) => (c === "0" ? "1" : "0"))],
    ["a token for another alert", (tk: string) => tk.replace(/^al_/, "al_x")],
    ["garbage", () => "nonsense"],
  ])("refuses %s with 404 on GET and POST, changing nothing", async (_n, tamper) => {
    const { t, alertId, token } = await raise();
    const bad = tamper(token);
    expect((await request(t, `/ack/${bad}`)).status).toBe(404);
    expect((await request(t, `/ack/${bad}`, { method: "POST" })).status).toBe(404);
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
  });

  it("refuses an expired link", async () => {
    const { t, alertId } = await raise();
    const expired = await signAckToken(env.ACK_SIGNING_KEY, { alertId, personId: "pat", expiresAt: new Date(Date.now() - 1000) });
    const res = await request(t, `/ack/${expired}`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("expired");
  });
});

describe("Twilio webhooks", () => {
  it("an SMS reply 4 with a valid signature acknowledges the newest alert paged to that number", async () => {
    const { t, alertId } = await raise();
    const res = await twilioPost(t, "/hooks/twilio/sms", { From: PAT_PHONE, To: "+15005550006", Body: "4", MessageSid: messageSid() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/xml");
    expect(await res.text()).toMatch(/<Message>Alert \w+ acknowledged\. Escalation stopped\.<\/Message>/);
    expect((await findAlert(env.DB, alertId))!).toMatchObject({ state: "acknowledged", acknowledgedBy: "Pat" });
  });

  it("ACK <code> acknowledges that alert, only when it was paged to the sender", async () => {
    const { t, alertId } = await raise("Mail delayed");
    const code = (await findAlert(env.DB, alertId))!.ackCode;
    const stranger = await twilioPost(t, "/hooks/twilio/sms", { From: "+15005550199", Body: `ACK ${code}`, MessageSid: messageSid() });
    expect(await stranger.text()).toContain(`No open alert ${code} was paged to this number.`);
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
    await twilioPost(t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: `ack ${code.toLowerCase()}`, MessageSid: messageSid() });
    expect((await findAlert(env.DB, alertId))!.state).toBe("acknowledged");
  });

  it("a replayed, validly signed 4 acknowledges nothing a second time: not even a newer alert its owner never saw", async () => {
    const first = await raise("Replay target one");
    const captured = { From: PAT_PHONE, To: "+15005550006", Body: "4", MessageSid: messageSid() };
    await twilioPost(first.t, "/hooks/twilio/sms", captured);
    expect((await findAlert(env.DB, first.alertId))!.state).toBe("acknowledged");
    // Later a new alert pages Pat; the attacker sends the very same signed request again.
    const second = await raise("Replay target two");
    const replay = await twilioPost(second.t, "/hooks/twilio/sms", captured);
    expect(replay.status).toBe(200);
    expect(await replay.text()).not.toContain("<Message>");
    expect((await findAlert(env.DB, second.alertId))!.state).toBe("triggered");
  });

  it("a bare 4 with two open alerts paged to the number asks for the code and acknowledges neither", async () => {
    const a = await raise("Two open one");
    const b = await raise("Two open two", { componentId: "cmp_second" });
    const res = await twilioPost(b.t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: "4", MessageSid: messageSid() });
    const text = await res.text();
    const codes = [(await findAlert(env.DB, a.alertId))!.ackCode, (await findAlert(env.DB, b.alertId))!.ackCode];
    expect(text).toContain("Reply ACK and the code");
    for (const code of codes) expect(text).toContain(code);
    expect((await findAlert(env.DB, a.alertId))!.state).toBe("triggered");
    expect((await findAlert(env.DB, b.alertId))!.state).toBe("triggered");
    await twilioPost(b.t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: `ACK ${codes[1]}`, MessageSid: messageSid() });
    expect((await findAlert(env.DB, b.alertId))!.state).toBe("acknowledged");
    expect((await findAlert(env.DB, a.alertId))!.state).toBe("triggered");
  });

  it("a bare 4 does not acknowledge an alert paged to the number more than an hour ago", async () => {
    const old = await raise("Paged long ago", { at: new Date(Date.now() - 2 * 3_600_000) });
    const res = await twilioPost(old.t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: "4", MessageSid: messageSid() });
    expect(await res.text()).toContain("in the last hour");
    expect((await findAlert(env.DB, old.alertId))!.state).toBe("triggered");
  });

  it("refuses an SMS webhook without a Twilio MessageSid", async () => {
    const { t, alertId } = await raise();
    const res = await twilioPost(t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: "4" });
    expect(res.status).toBe(400);
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
  });

  it.each([
    ["missing", null],
    ["tampered", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ])("refuses a %s signature with 403 and changes nothing", async (_n, sig) => {
    const { t, alertId } = await raise();
    const res = await twilioPost(t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: "4", MessageSid: messageSid() }, sig);
    expect(res.status).toBe(403);
    expect((await res.json()) as { error: { code: string } }).toMatchObject({ error: { code: "forbidden" } });
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
  });

  it("refuses a valid signature over different parameters (body tampered in transit)", async () => {
    const { t, alertId } = await raise();
    const sid = messageSid();
    const sig = await twilioSignature(t.env.TWILIO_AUTH_TOKEN, `${PUBLIC}/hooks/twilio/sms`, Object.entries({ From: PAT_PHONE, Body: "hello", MessageSid: sid }));
    const res = await twilioPost(t, "/hooks/twilio/sms", { From: PAT_PHONE, Body: "4", MessageSid: sid }, sig);
    expect(res.status).toBe(403);
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
  });

  it("the voice call's digit 4 acknowledges; another digit does not", async () => {
    const { t, alertId, token } = await raise();
    const other = await twilioPost(t, `/hooks/twilio/voice/${token}`, { Digits: "1", CallSid: "CA1" });
    expect(await other.text()).toContain("Not acknowledged");
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
    const four = await twilioPost(t, `/hooks/twilio/voice/${token}`, { Digits: "4", CallSid: "CA1" });
    expect(await four.text()).toContain("<Say>Acknowledged.");
    expect((await findAlert(env.DB, alertId))!).toMatchObject({ state: "acknowledged", acknowledgedBy: "Pat" });
  });

  it("a status callback saying the SMS was undelivered fails the delivery and tries the next method", async () => {
    const { t, alertId } = await raise("Status callback check", { mailFails: true });
    const smsId = `${alertId}:0:0:pat:1`;
    const row = await env.DB.prepare("SELECT state, provider_id FROM deliveries WHERE id = ?1").bind(smsId).first<{ state: string; provider_id: string }>();
    expect(row!.state).toBe("sent");
    const path = `/hooks/twilio/status/${encodeURIComponent(smsId)}`;
    // Unsigned: refused, nothing changes.
    expect((await twilioPost(t, path, { MessageSid: row!.provider_id, MessageStatus: "undelivered" }, null)).status).toBe(403);
    // Delivered: nothing to do.
    expect((await twilioPost(t, path, { MessageSid: row!.provider_id, MessageStatus: "delivered" })).status).toBe(204);
    expect((await env.DB.prepare("SELECT state FROM deliveries WHERE id = ?1").bind(smsId).first<{ state: string }>())!.state).toBe("sent");
    // Undelivered: failed, and with the mail failing too, Pat's next method is tried at once.
    const res = await twilioPost(t, path, { MessageSid: row!.provider_id, MessageStatus: "undelivered", ErrorCode: "30003" });
    expect(res.status).toBe(204);
    const failed = await env.DB.prepare("SELECT state, error FROM deliveries WHERE id = ?1").bind(smsId).first<{ state: string; error: string }>();
    expect(failed).toEqual({ state: "failed", error: "Twilio reports undelivered (error 30003)" });
    expect(t.queued.map((q) => q.body)).toContainEqual({ type: "notification.send", deliveryId: `${alertId}:0:0:pat:0:fallback-after-1` });
  });

  it.each([
    ["+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="],
    ["+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="],
  ])("matches Twilio's published signature examples (caller %s)", async (caller, expected) => {
    // TwilioDevEd/api-snippets security/signature_validation (auth token "12345").
    const params = { CallSid: "CA1234567890ABCDE", Caller: caller, Digits: "1234", From: caller, To: "+18005551212" };
    expect(await twilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", Object.entries(params))).toBe(expected);
  });
});
