// Machine mail never becomes a report: bounces of our page mails fail the page over to the
// person's next contact method, forged bounces change nothing, our own mail coming back is a
// loop, lists and noreply senders are filed but never answered.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findDelivery } from "../../functions/alerts/queries";
import { drain, quietOnCall, testEnv } from "../alerts/helpers";
import { inboundRow, kimOnCall, messageIdIn, receive, reportOf } from "./helpers";
import { dsnMail, mail, URGENT } from "./mails";

beforeAll(kimOnCall);
beforeEach(quietOnCall);

async function pagedByEmail(subject: string) {
  const t = testEnv();
  const raw = mail({ from: "lena@customer.test", subject });
  await receive(t, { raw, to: URGENT });
  await drain(t, new Date());
  const report = (await reportOf(messageIdIn(raw)))!;
  const alertId = (await env.DB.prepare("SELECT alert_id FROM reports WHERE id = ?1").bind(report.id).first<{ alert_id: string }>())!.alert_id;
  const page = (await env.DB.prepare("SELECT id, provider_id FROM deliveries WHERE alert_id = ?1 AND channel = 'email' AND purpose = 'page'").bind(alertId).first<{ id: string; provider_id: string }>())!;
  return { t, alertId, page };
}

describe("bounces", () => {
  it("a bounce of a page mail fails that delivery and tries the person's next method at once", async () => {
    const { t, alertId, page } = await pagedByEmail("Lena's site is slow");
    // The ntfy page went out at the same time; make it look unsent so the fallback is needed.
    await env.DB.prepare("UPDATE deliveries SET state = 'failed' WHERE alert_id = ?1 AND channel = 'ntfy'").bind(alertId).run();
    const bounce = dsnMail({ originalMessageId: page.provider_id, recipient: "kim@ops.example.test" });
    const got = await receive(t, { raw: bounce, to: "status@example-hosting.test", from: "" });
    expect((await inboundRow(messageIdIn(bounce)))!).toMatchObject({ kind: "bounce", reportId: null });
    expect(await findDelivery(env.DB, page.id)).toMatchObject({ state: "failed", error: expect.stringContaining("5.1.1") });
    const fallback = t.queued.find((q) => q.body.type === "notification.send" && q.body.deliveryId.includes("fallback-after-0"));
    expect(fallback).toBeDefined();
    expect(got.record.replies).toHaveLength(0);
    expect(await reportOf(messageIdIn(bounce))).toBeNull();
  });

  it("a forged bounce naming a delivery but not its Message-ID or address changes nothing", async () => {
    const { t, page } = await pagedByEmail("Mo's FTP refuses logins");
    const forged = dsnMail({ originalMessageId: "<made-up@evil.test>", recipient: "someone@evil.test", extraHeaders: `X-Outofband-Delivery: ${page.id}` });
    await receive(t, { raw: forged, to: "status@example-hosting.test", from: "" });
    expect((await inboundRow(messageIdIn(forged)))!.kind).toBe("bounce");
    expect((await findDelivery(env.DB, page.id))!.state).toBe("sent");
  });

  it("a bounce that names the delivery and the address it went to is believed without the Message-ID", async () => {
    const { t, page } = await pagedByEmail("Nia's cron jobs stopped");
    const bounce = dsnMail({ originalMessageId: "<rewritten-by-a-relay@relay.test>", recipient: "kim@ops.example.test", extraHeaders: `X-Outofband-Delivery: ${page.id}` });
    await receive(t, { raw: bounce, to: "status@example-hosting.test", from: "" });
    expect((await findDelivery(env.DB, page.id))!.state).toBe("failed");
  });

  it("a delay notice fails nothing", async () => {
    const { t, page } = await pagedByEmail("Olaf's webmail is down");
    const delayed = dsnMail({ originalMessageId: page.provider_id, recipient: "kim@ops.example.test", action: "delayed", status: "4.4.1" });
    await receive(t, { raw: delayed, to: "status@example-hosting.test", from: "" });
    expect((await findDelivery(env.DB, page.id))!.state).toBe("sent");
  });
});

describe("loops and machine senders", () => {
  it("our own auto-reply coming back is a loop: kept, not a report, not answered", async () => {
    const t = testEnv();
    const raw = mail({ from: URGENT, subject: "[R-7K3M9Q2X] We received your urgent report", headers: { "Auto-Submitted": "auto-replied" } });
    const got = await receive(t, { raw, to: URGENT });
    expect((await inboundRow(messageIdIn(raw)))!).toMatchObject({ kind: "loop", reportId: null });
    expect(got.record.replyAttempts).toBe(0);
  });

  it("a copy we forwarded that a destination sends back is a loop", async () => {
    const t = testEnv();
    const raw = mail({ from: "pia@customer.test", subject: "Forwarded back", headers: { "X-Outofband-Intake": URGENT } });
    await receive(t, { raw, to: URGENT });
    expect((await inboundRow(messageIdIn(raw)))!.kind).toBe("loop");
  });

  it("a mailing list's mail is filed (it may matter) but never answered", async () => {
    const t = testEnv();
    const raw = mail({ from: "ops-list@lists.test", subject: "Outage in AMS-IX", headers: { "List-Id": "<ops.lists.test>", Precedence: "list" } });
    const got = await receive(t, { raw, to: URGENT });
    const row = (await inboundRow(messageIdIn(raw)))!;
    expect(row.kind).toBe("report");
    expect(row.detail).toMatchObject({ auto_reply: { sent: false, note: expect.stringContaining("bulk or list") } });
    expect(got.record.replies).toHaveLength(0);
  });

  it("a noreply sender is filed but never answered", async () => {
    const t = testEnv();
    const raw = mail({ from: "Monitoring <noreply@monitoring.test>", subject: "CRITICAL: web12 HTTP 502" });
    const got = await receive(t, { raw, to: URGENT });
    expect((await inboundRow(messageIdIn(raw)))!.kind).toBe("report");
    expect(got.record.replies).toHaveLength(0);
    expect(t.mail.filter((m) => m.to.includes("noreply"))).toHaveLength(0);
  });
});
