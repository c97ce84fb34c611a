// Replies and who may join a thread, as an attacker would try it: knowing a reference must never
// give access to someone's thread; only our Message-IDs, or the reference from the reporter's
// own address, join one. Replies to page mails and out-of-office mail never become reports.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findAlert } from "../../functions/alerts/queries";
import { listMessages } from "../../functions/reports/queries";
import { drain, eventsOf, quietOnCall, testEnv } from "../alerts/helpers";
import { inboundRow, kimOnCall, messageIdIn, receive, reportOf } from "./helpers";
import { mail, URGENT } from "./mails";

beforeAll(kimOnCall);
beforeEach(quietOnCall);

/** A report filed by mail from `from`; returns it with the auto-reply's Message-ID. */
async function filed(from: string, subject: string) {
  const t = testEnv();
  const raw = mail({ from, subject });
  const got = await receive(t, { raw, to: URGENT });
  const report = (await reportOf(messageIdIn(raw)))!;
  const replyId = (await env.DB.prepare("SELECT message_id FROM sent_mail WHERE report_id = ?1 AND purpose = 'auto-reply'").bind(report.id).first<{ message_id: string }>())!.message_id;
  return { t, report, replyId, got };
}

describe("threading", () => {
  it("a reply naming our auto-reply's Message-ID is a follow-up that notifies on-call", async () => {
    const { t, report, replyId } = await filed("carol@customer.test", "Carol's shop is down");
    await drain(t, new Date());
    const raw = mail({ from: "carol@customer.test", subject: `Re: [${report.reference}] We received your urgent report`, headers: { "In-Reply-To": replyId, References: replyId }, body: "It is web14, not web12.\r\n\r\nOn Tue, Example wrote:\r\n> Reference" });
    const got = await receive(t, { raw, to: URGENT });
    expect((await inboundRow(messageIdIn(raw)))!).toMatchObject({ kind: "followup", reportId: report.id });
    const messages = await listMessages(env.DB, report.id);
    expect(messages.at(-1)).toMatchObject({ author: "reporter", body: "It is web14, not web12." });
    expect(got.record.replies).toHaveLength(0);
    expect(t.queued.some((q) => q.body.type === "report.followup" && q.body.reportId === report.id)).toBe(true);
  });

  it("the reference in the subject joins the thread only from the reporter's own address", async () => {
    const { t, report } = await filed("dave@customer.test", "Dave's DNS fails");
    const own = mail({ from: "Dave <DAVE@customer.test>", subject: `Re: ${report.reference} more details`, body: "Also MX records are gone." });
    await receive(t, { raw: own, to: URGENT });
    expect((await inboundRow(messageIdIn(own)))!).toMatchObject({ kind: "followup", reportId: report.id });
  });

  it("someone else naming a reference files a new report and learns nothing about the other thread", async () => {
    const { t, report } = await filed("erin@customer.test", "Erin's private database is exposed");
    const attack = mail({ from: "mallory@evil.test", subject: `Re: [${report.reference}] We received your urgent report`, body: "Please send me the thread and the private link." });
    const got = await receive(t, { raw: attack, to: URGENT });
    const row = (await inboundRow(messageIdIn(attack)))!;
    expect(row.kind).toBe("report");
    expect(row.reportId).not.toBe(report.id);
    const mine = (await reportOf(messageIdIn(attack)))!;
    expect(mine.reference).not.toBe(report.reference);
    // Erin's thread is untouched; Mallory's auto-reply carries only Mallory's own reference and link.
    expect((await listMessages(env.DB, report.id)).some((m) => m.body.includes("private link"))).toBe(false);
    const reply = got.record.replies[0]!;
    expect(reply.text).toContain(mine.reference);
    expect(reply.text).not.toContain(report.reference);
    expect(reply.text).not.toContain("Erin");
  });

  it("an In-Reply-To that names no mail of ours is a new report", async () => {
    const t = testEnv();
    const raw = mail({ from: "frank@customer.test", subject: "Re: something", headers: { "In-Reply-To": "<guessed-1234@status.example-hosting.test>" } });
    await receive(t, { raw, to: URGENT });
    expect((await inboundRow(messageIdIn(raw)))!.kind).toBe("report");
  });

  it("a reply to a resolved report files a new report that says so", async () => {
    const { t, report, replyId } = await filed("gina@customer.test", "Gina's mail bounces");
    await env.DB.prepare("UPDATE reports SET state = 'resolved', resolved_at = ?2 WHERE id = ?1").bind(report.id, new Date().toISOString()).run();
    const raw = mail({ from: "gina@customer.test", subject: "Re: it is back", headers: { "In-Reply-To": replyId }, body: "It is broken again." });
    await receive(t, { raw, to: URGENT });
    const fresh = (await reportOf(messageIdIn(raw)))!;
    expect(fresh.id).not.toBe(report.id);
    expect((await listMessages(env.DB, fresh.id))[0]!.body).toContain(`A reply to ${report.reference}, which is resolved`);
  });

  it("an out-of-office answer to our auto-reply is shown in the thread, never answered, never paged", async () => {
    const { t, report, replyId } = await filed("hank@customer.test", "Hank's VPS unreachable");
    const queuedBefore = t.queued.length;
    const ooo = mail({ from: "hank@customer.test", subject: "Automatic reply: We received your urgent report", headers: { "Auto-Submitted": "auto-replied", "In-Reply-To": replyId }, body: "I am away until Monday." });
    const got = await receive(t, { raw: ooo, to: URGENT });
    expect((await inboundRow(messageIdIn(ooo)))!).toMatchObject({ kind: "auto-reply", reportId: report.id });
    expect((await listMessages(env.DB, report.id)).at(-1)).toMatchObject({ author: "system", body: expect.stringContaining("I am away until Monday.") });
    expect(got.record.replies).toHaveLength(0);
    expect(got.record.replyAttempts).toBe(0);
    expect(t.queued.slice(queuedBefore).filter((q) => q.body.type === "report.followup" || q.body.type === "report.received")).toHaveLength(0);
  });
});

describe("replies to page mails", () => {
  async function paged(subject: string) {
    const t = testEnv();
    const raw = mail({ from: "ivy@customer.test", subject });
    await receive(t, { raw, to: URGENT });
    await drain(t, new Date());
    const report = (await reportOf(messageIdIn(raw)))!;
    const alertId = (await env.DB.prepare("SELECT alert_id FROM reports WHERE id = ?1").bind(report.id).first<{ alert_id: string }>())!.alert_id;
    const page = (await env.DB.prepare("SELECT provider_id FROM deliveries WHERE alert_id = ?1 AND channel = 'email'").bind(alertId).first<{ provider_id: string }>())!;
    const pageMail = t.mail.find((m) => m.to === "kim@ops.example.test" && m.subject.includes(subject))!;
    return { t, alertId, pageId: page.provider_id, pageMail };
  }

  it("'ack' from the paged person acknowledges the alert", async () => {
    const { t, alertId, pageMail } = await paged("Ivy's backups fail");
    const raw = mail({ from: "Kim <kim@ops.example.test>", subject: `Re: ${pageMail.subject}`, body: "ack\r\n\r\nOn Tue, Example wrote:\r\n> ALERT" });
    await receive(t, { raw, to: "status@example-hosting.test" });
    expect((await inboundRow(messageIdIn(raw)))!.kind).toBe("ack");
    expect((await findAlert(env.DB, alertId))!).toMatchObject({ state: "acknowledged", acknowledgedBy: "Kim" });
  });

  it("any other reply to a page goes into the alert's timeline and files no report", async () => {
    const { t, alertId, pageId, pageMail } = await paged("Jay's certificate expired");
    const raw = mail({ from: "kim@ops.example.test", subject: `Re: ${pageMail.subject}`, headers: { "In-Reply-To": pageId }, body: "Calling the customer now." });
    const got = await receive(t, { raw, to: "status@example-hosting.test" });
    expect((await inboundRow(messageIdIn(raw)))!).toMatchObject({ kind: "page-reply", reportId: null });
    expect((await eventsOf(alertId)).some((e) => e.type === "page_reply" && e.message.includes("Calling the customer now."))).toBe(true);
    expect(got.record.replies).toHaveLength(0);
  });

  it("the paged person's out-of-office is noted on the alert, never answered", async () => {
    const { t, alertId, pageId } = await paged("Kay's mail queue stuck");
    const raw = mail({ from: "kim@ops.example.test", subject: "Out of office", headers: { "In-Reply-To": pageId, "Auto-Submitted": "auto-replied" }, body: "On holiday." });
    await receive(t, { raw, to: "status@example-hosting.test" });
    expect((await eventsOf(alertId)).some((e) => e.type === "page_auto_reply")).toBe(true);
  });
});
