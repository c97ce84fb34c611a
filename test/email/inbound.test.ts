// The email handler: forward first, keep it whole, retry when nothing worked, then a report,
// its page and one auto-reply. Storage outages are simulated by bindings whose every call fails.
import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../../functions/index";
import { MAX_INBOUND_EMAIL_BYTES, TemporaryFailure } from "../../functions/email/inbound";
import { findFile } from "../../functions/files/queries";
import { emailSweepCronTask } from "../../functions/email/sweep";
import { drain, quietOnCall, testEnv } from "../alerts/helpers";
import { downBinding, inboundRow, kimOnCall, messageIdIn, receive, reportOf } from "./helpers";
import { mail, newMessageId, URGENT } from "./mails";
import { fakeEmail } from "./fake-email";

beforeAll(kimOnCall);
beforeEach(quietOnCall);

describe("forward first", () => {
  it("forwards to every destination of the address before anything else, marking the copy", async () => {
    const t = testEnv();
    const raw = mail({ subject: "Web12 down" });
    const got = await receive(t, { raw, to: URGENT });
    expect(got.thrown).toBeNull();
    expect(got.record.forwards).toEqual([
      { to: "noc-mailbox@example-hosting.test", headers: { "x-outofband-intake": URGENT } },
      { to: "oncall-phone@example-hosting.test", headers: { "x-outofband-intake": URGENT } },
    ]);
    const row = await inboundRow(messageIdIn(raw));
    expect(row!.forwards).toEqual([
      { to: "noc-mailbox@example-hosting.test", ok: true },
      { to: "oncall-phone@example-hosting.test", ok: true },
    ]);
  });

  it("forwards even when D1 and R2 both fail, and then accepts the mail (the forward has it)", async () => {
    const t = testEnv();
    t.svc.db = downBinding<D1Database>("D1");
    t.svc.files = downBinding<R2Bucket>("R2");
    const raw = mail({ subject: "Everything is down" });
    const got = await receive(t, { raw, to: URGENT });
    expect(got.record.forwards.map((f) => f.to)).toEqual(["noc-mailbox@example-hosting.test", "oncall-phone@example-hosting.test"]);
    expect(got.thrown).toBeNull();
    expect(got.record.rejected).toBeNull();
  });

  it("makes the sending server retry when neither a forward nor storage worked", async () => {
    const t = testEnv();
    t.svc.db = downBinding<D1Database>("D1");
    t.svc.files = downBinding<R2Bucket>("R2");
    const got = await receive(t, { raw: mail(), to: URGENT, forwardFails: true });
    expect(got.thrown).toBeInstanceOf(TemporaryFailure);
    expect(String((got.thrown as Error).message)).toMatch(/retry later/);
    expect(got.record.rejected).toBeNull();
  });

  it("records a failed forward and raises one alert for it; the next forward that works resolves it", async () => {
    const t = testEnv();
    const first = await receive(t, { raw: mail({ subject: "Forward broken 1" }), to: URGENT, forwardFails: ["oncall-phone@example-hosting.test"] });
    expect(first.thrown).toBeNull();
    const raised = t.queued.filter((q) => q.body.type === "signal.raised");
    expect(raised).toHaveLength(1);
    expect(raised[0]!.body).toMatchObject({ source: "email", key: `email-forward:${URGENT}:oncall-phone@example-hosting.test` });
    const check = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = ?1").bind(`email-forward:${URGENT}->oncall-phone@example-hosting.test`).first<{ last_error: string }>();
    expect(check!.last_error).toMatch(/not verified/);

    // Still broken: no second alert.
    await receive(t, { raw: mail({ subject: "Forward broken 2" }), to: URGENT, forwardFails: ["oncall-phone@example-hosting.test"] }, new Date(Date.now() + 1000));
    expect(t.queued.filter((q) => q.body.type === "signal.raised")).toHaveLength(1);
    // Fixed.
    await receive(t, { raw: mail({ subject: "Forward fixed" }), to: URGENT }, new Date(Date.now() + 2000));
    expect(t.queued.filter((q) => q.body.type === "signal.recovered")).toHaveLength(1);
  });
});

describe("keep it whole", () => {
  it("stores the raw mail in R2 and only its metadata in D1", async () => {
    const t = testEnv();
    const raw = mail({ subject: "Keep me" });
    await receive(t, { raw, to: URGENT });
    const row = await inboundRow(messageIdIn(raw));
    expect(row).toMatchObject({ mailFrom: "alice@customer.test", headerFrom: "alice@customer.test", rcptTo: URGENT, state: "processed", kind: "report" });
    const legacy = await env.DB.prepare("SELECT raw FROM inbound_emails WHERE id = ?1").bind(row!.id).first<{ raw: string | null }>();
    expect(legacy!.raw).toBeNull();
    const file = await findFile(env.DB, row!.rawFileId!);
    expect(file).toMatchObject({ kind: "raw-mail", contentType: "message/rfc822", size: raw.length });
    const object = await env.FILES.get(file!.r2Key);
    expect(await object!.text()).toBe(raw);
  });

  it("stores and files a repeated delivery of the same Message-ID once", async () => {
    const t = testEnv();
    const raw = mail({ subject: "Twice delivered" });
    await receive(t, { raw, to: URGENT });
    await receive(t, { raw, to: URGENT });
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM inbound_emails WHERE message_id = ?1").bind(messageIdIn(raw)).first<{ n: number }>())!;
    expect(n).toBe(1);
    const reports = await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE channel = 'email' AND channel_message_id = ?1").bind(messageIdIn(raw)).first<{ n: number }>();
    expect(reports!.n).toBe(1);
  });

  it("accepts what Email Routing accepts, and refuses only what it could never deliver (over 25 MiB)", async () => {
    const t = testEnv();
    const fake = fakeEmail({ raw: mail(), to: URGENT });
    Object.defineProperty(fake.message, "rawSize", { value: MAX_INBOUND_EMAIL_BYTES + 1024 * 1024 });
    await (await import("../../functions/email/inbound")).handleInboundEmail(t.svc, fake.message, { now: new Date() });
    expect(fake.record.rejected).toMatch(/too large/);
  });

  it("keeps mail that arrives while D1 is down in R2, tells on-call directly, and files it when D1 returns", async () => {
    const t = testEnv();
    const db = t.svc.db;
    t.svc.db = downBinding<D1Database>("D1");
    const raw = mail({ subject: "Stored during the D1 outage" });
    // Later than the other tests' outages: the direct page is sent at most once per window.
    const now = new Date(Date.now() + 3_600_000);
    const got = await receive(t, { raw, to: URGENT }, now);
    expect(got.thrown).toBeNull();
    // The direct page by mail (FALLBACK_PAGE_TO), and the mail is in R2 waiting.
    expect(t.mail.filter((m) => m.subject.startsWith("URGENT (mail not yet filed)"))).toHaveLength(1);
    const pending = await env.FILES.list({ prefix: "inbound-pending/" });
    expect(pending.objects.length).toBeGreaterThan(0);
    expect(await inboundRow(messageIdIn(raw))).toBeNull();

    // D1 is back: the sweep records and files it, and the fan-out pages as usual.
    t.svc.db = db;
    await emailSweepCronTask.run(t.svc, new Date(now.getTime() + 60_000));
    await t.settle();
    const report = await reportOf(messageIdIn(raw));
    expect(report).toMatchObject({ channel: "email", subject: "Stored during the D1 outage" });
    expect((await env.FILES.list({ prefix: "inbound-pending/" })).objects.map((o) => o.key)).not.toContain(pending.objects[0]!.key);
    await drain(t, new Date());
    expect(t.mail.some((m) => m.to === "kim@ops.example.test" && m.subject.includes("Stored during the D1 outage"))).toBe(true);
  });
});

describe("a new report by mail", () => {
  it("files a report through intake, pages on-call, and answers once with the reference (RFC 3834)", async () => {
    const t = testEnv();
    const messageId = newMessageId();
    const raw = mail({ messageId, subject: "All sites on web12 give 502", from: "Ada Lovelace <ada@customer.test>" });
    const got = await receive(t, { raw, to: URGENT });
    const report = (await reportOf(messageId))!;
    expect(report).toMatchObject({ channel: "email", urgency: "critical", subject: "All sites on web12 give 502", channelMessageId: messageId });
    expect(report.reporter).toMatchObject({ name: "Ada Lovelace", email: "ada@customer.test" });

    expect(got.record.replies).toHaveLength(1);
    const reply = got.record.replies[0]!;
    expect(reply.from).toBe(URGENT);
    expect(reply.subject).toBe(`[${report.reference}] We received your urgent report`);
    expect(reply.headers).toEqual({ "Auto-Submitted": "auto-replied" });
    expect(reply.text).toContain(`/r/${report.reference}?k=`);
    expect(reply.text).not.toContain("web12");
    expect(reply.text).not.toContain("Ada");
    // No second, separate confirmation mail from intake.
    expect(t.mail.filter((m) => m.to === "ada@customer.test")).toHaveLength(0);

    await drain(t, new Date());
    const page = t.mail.find((m) => m.to === "kim@ops.example.test" && m.subject.includes("All sites on web12 give 502"));
    expect(page!.text).toContain(report.reference);
    expect(page!.text).toContain("ada@customer.test");
  });

  it("sends the auto-reply as a new message in the thread when reply() is refused (DMARC)", async () => {
    const t = testEnv();
    const messageId = newMessageId();
    const got = await receive(t, { raw: mail({ messageId, from: "bo@customer.test", subject: "Mail delayed", headers: { References: "<older@customer.test>" } }), to: URGENT, replyFails: true });
    expect(got.record.replies).toHaveLength(0);
    const sent = t.mail.filter((m) => m.to === "bo@customer.test");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: URGENT, headers: { "Auto-Submitted": "auto-replied", "In-Reply-To": messageId, References: `<older@customer.test> ${messageId}` } });
  });

  it("runs through the Worker's real email() entry with its real bindings", async () => {
    const raw = mail({ subject: "Through the entry", from: "entry@customer.test" });
    const fake = fakeEmail({ raw, to: URGENT });
    await worker.email(fake.message, env, createExecutionContext());
    expect(await reportOf(messageIdIn(raw))).toMatchObject({ channel: "email", subject: "Through the entry" });
    expect(fake.record.forwards).toHaveLength(2);
  });
});
