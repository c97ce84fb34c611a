import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_INBOUND_EMAIL_BYTES } from "../../functions/email/inbound";
import worker from "../../functions/index";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { findAlert } from "../../functions/alerts/queries";
import { alertOfReport, drain, insertReport, pushConfig, testEnv, quietOnCall } from "../alerts/helpers";
import { unique } from "../helpers";
import { fakeEmail } from "./fake-email";

// Each test starts with nobody busy (see quietOnCall).
beforeEach(quietOnCall);

describe("email handler", () => {
  it("stores every inbound mail raw before anything else and records the intake path", async () => {
    const mail = fakeEmail({ from: "alice@customer.test", to: "urgent@status.example.test", messageId: "<m1@customer.test>", subject: "Site down" });
    await worker.email(mail.message, env, createExecutionContext());
    const row = await env.DB.prepare("SELECT * FROM inbound_emails WHERE message_id = '<m1@customer.test>'").first<Record<string, string>>();
    expect(row).toMatchObject({ mail_from: "alice@customer.test", rcpt_to: "urgent@status.example.test", subject: "Site down", state: "received" });
    expect(row!.raw).toContain("Our site is down");
    expect(mail.rejected).toBeNull();
    const check = await env.DB.prepare("SELECT last_verified_at FROM assurance_checks WHERE name = 'intake:email'").first();
    expect(check).not.toBeNull();
  });

  it("stores a repeated delivery of the same Message-ID once", async () => {
    for (let i = 0; i < 2; i++) {
      const mail = fakeEmail({ from: "bob@customer.test", to: "urgent@status.example.test", messageId: "<dup@customer.test>", subject: "Again" });
      await worker.email(mail.message, env, createExecutionContext());
    }
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM inbound_emails WHERE message_id = '<dup@customer.test>'").first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("refuses mail over the size cap at SMTP time, with a reason, storing nothing", async () => {
    const mail = fakeEmail({ from: "big@customer.test", to: "urgent@status.example.test", messageId: "<big@customer.test>", subject: "Huge", rawSize: MAX_INBOUND_EMAIL_BYTES + 1 });
    await worker.email(mail.message, env, createExecutionContext());
    expect(mail.rejected).toMatch(/too large/);
    expect(await env.DB.prepare("SELECT 1 FROM inbound_emails WHERE message_id = '<big@customer.test>'").first()).toBeNull();
  });
});

describe("a reply to a page mail", () => {
  it("acknowledges the alert when it says ack and comes from an address that was paged", async () => {
    await pushConfig({
      version: 1,
      people: [{ id: "kim", name: "Kim", timezone: "UTC", contactMethods: [{ type: "email", address: "kim@ops.example.test" }] }],
      policies: [{ id: "only", levels: [{ timeoutMinutes: 5, targets: [{ person: "kim" }] }] }],
      routing: { defaultPolicy: "only" },
    });
    const t = testEnv();
    const report = await insertReport({ subject: "Web down", componentId: unique("cmp") });
    await handleReportReceived(t.svc, report.job, new Date());
    await drain(t, new Date());
    const alertId = (await alertOfReport(report.id))!;
    const pageSubject = t.mail[0]!.subject;

    const stranger = fakeEmail({ from: "mallory@evil.example", to: "urgent@status.example.test", messageId: "<spoof@evil.example>", subject: `Re: ${pageSubject}`, body: "ack" });
    await worker.email(stranger.message, env, createExecutionContext());
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");

    const reply = fakeEmail({
      from: "kim@ops.example.test",
      to: "urgent@status.example.test",
      messageId: "<reply-ack@ops.example.test>",
      subject: `Re: ${pageSubject}`,
      body: "Ack, on it.\r\n\r\nOn Sat, Example Hosting wrote:\r\n> the page",
    });
    await worker.email(reply.message, env, createExecutionContext());
    expect(await findAlert(env.DB, alertId)).toMatchObject({ state: "acknowledged", acknowledgedBy: "Kim" });
    const stored = await env.DB.prepare("SELECT state FROM inbound_emails WHERE message_id = '<reply-ack@ops.example.test>'").first<{ state: string }>();
    expect(stored!.state).toBe("processed");
  });
});
