// The reports inbox in the console: filters and search (wildcards taken literally), the thread
// with voicemail audio and its transcript, acknowledge and resolve, and replies: through the
// reporter's channel (email for the form), shown in their private view under the staff
// member's name, sent once however often the job runs, and never said to be sent when no
// channel can carry it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { putFile } from "../../functions/files/store";
import { deliverReply } from "../../functions/inbox/actions";
import { findReplyDelivery } from "../../functions/inbox/queries";
import { fakeProviders, servicesOf, staffHeaders, unique } from "../helpers";
import { insertReport } from "../alerts/helpers";
import { call, fakeMail, postApi, uniqueReport } from "../reports/helpers";
import { createStaffToken } from "../../functions/staff/tokens";
import { consoleGet, consolePost, signedIn, textOf } from "./helpers";

/** A report filed through the API, with the reporter's private link. */
async function fileReport(extra: Record<string, string> = {}): Promise<{ reference: string; privatePath: string; email: string }> {
  const input = uniqueReport(extra);
  const res = await postApi(input);
  expect(res.status).toBe(201);
  const { reference, status_url } = (await res.json()) as { reference: string; status_url: string };
  const url = new URL(status_url);
  return { reference, privatePath: url.pathname + url.search, email: input.email };
}

async function reportRow(reference: string) {
  return (await env.DB.prepare("SELECT id, state FROM reports WHERE reference = ?1").bind(reference).first<{ id: string; state: string }>())!;
}

describe("the inbox", () => {
  it("filters by state and channel and finds reports by subject, reporter email and reference", async () => {
    const word = unique("needle").replace("_", "");
    const a = await insertReport({ subject: `Shop down ${word}`, channel: "web", reporter: { email: `ada.${word}@example.com` } });
    const b = await insertReport({ subject: `Mail bounces ${unique("x")}`, channel: "email", reporter: { email: `bob.${word}@example.net` } });
    const s = await signedIn("responder");
    const bySubject = textOf(await (await consoleGet(`/admin/reports?q=${encodeURIComponent(`Shop down ${word}`)}`, s)).text());
    expect(bySubject).toContain(a.reference);
    expect(bySubject).not.toContain(b.reference);
    const byEmail = textOf(await (await consoleGet(`/admin/reports?q=${word}`, s)).text());
    expect(byEmail).toContain(a.reference);
    expect(byEmail).toContain(b.reference);
    const byChannel = textOf(await (await consoleGet(`/admin/reports?q=${word}&channel=email`, s)).text());
    expect(byChannel).toContain(b.reference);
    expect(byChannel).not.toContain(a.reference);
    const jump = await consoleGet(`/admin/reports?q=${a.reference.toLowerCase()}`, s);
    expect(jump.status).toBe(303);
    expect(jump.headers.get("location")).toBe(`/admin/reports/${a.reference}`);
  });

  it("takes wildcards in a search literally, and refuses filters that are not in the lists", async () => {
    const s = await signedIn("responder");
    await insertReport({ subject: `Plain subject ${unique("y")}` });
    const all = textOf(await (await consoleGet("/admin/reports?q=%25", s)).text());
    expect(all).not.toContain("Plain subject");
    expect((await consoleGet("/admin/reports?state=exploded", s)).status).toBe(400);
  });

  it("shows the same search on the staff API (q)", async () => {
    const word = unique("apiq").replace("_", "");
    const r = await insertReport({ subject: `Disk full ${word}` });
    const res = await call(`/api/admin/reports?q=${word}`, { headers: staffHeaders() });
    const body = (await res.json()) as { reports: Array<{ reference: string }> };
    expect(body.reports.map((x) => x.reference)).toEqual([r.reference]);
  });
});

describe("a report's thread", () => {
  it("shows the voicemail as audio with its transcript, attachments as links, and escapes what reporters wrote", async () => {
    const r = await insertReport({ subject: `<script>alert(1)</script> ${unique("vm")}`, channel: "phone", message: "<img src=x onerror=alert(2)>", reporter: { phone: "+31 6 1234 5678" } });
    const svc = servicesOf();
    const recording = await putFile(svc, { kind: "recording", reportId: r.id, name: "voicemail.wav", contentType: "audio/wav", bytes: new Uint8Array([82, 73, 70, 70]), detail: { transcript: "Everything is down <b>now</b>", durationSeconds: 42 }, now: new Date() });
    await putFile(svc, { kind: "attachment", reportId: r.id, name: "screenshot.png", contentType: "image/png", bytes: new Uint8Array([1, 2, 3]), now: new Date() });
    const s = await signedIn("responder");
    const page = await (await consoleGet(`/admin/reports/${r.reference}`, s)).text();
    expect(page).toMatch(new RegExp(`<audio controls preload="none" src="/files/${recording.id}\\.[0-9a-z]+\\.[0-9a-f]{32}"`));
    expect(page).toContain("Everything is down &lt;b&gt;now&lt;/b&gt;");
    expect(page).toContain("42 s");
    expect(page).toContain("screenshot.png");
    expect(page).not.toContain("<script>alert(1)");
    expect(page).not.toContain("<img src=x");
    // A phone reporter cannot be answered yet: the page says so rather than pretending.
    expect(textOf(page)).toContain("Replies through phone are not available yet and the reporter left no email address");
    expect(textOf(page)).toContain("Call them: +31 6 1234 5678");
  });

  it("acknowledges and resolves, with a line in the thread and an audit row with before and after", async () => {
    const r = await insertReport({ subject: unique("Ack me") });
    const s = await signedIn("responder");
    const ack = await consolePost(`/admin/reports/${r.reference}/ack`, s);
    expect(ack.status).toBe(303);
    expect(ack.headers.get("location")).toBe(`/admin/reports/${r.reference}?done=acknowledged`);
    expect((await reportRow(r.reference)).state).toBe("acknowledged");
    const audit = await env.DB.prepare("SELECT actor, actor_id, before_state, after_state FROM audit_log WHERE action = 'report.ack' AND target = ?1").bind(r.reference).first<Record<string, string>>();
    expect(audit).toEqual({ actor: s.name, actor_id: `member:${s.memberId}`, before_state: '{"state":"new"}', after_state: '{"state":"acknowledged"}' });
    await consolePost(`/admin/reports/${r.reference}/resolve`, s);
    expect((await reportRow(r.reference)).state).toBe("resolved");
    const thread = textOf(await (await consoleGet(`/admin/reports/${r.reference}?done=resolved`, s)).text());
    expect(thread).toContain("Acknowledged: a person is working on it.");
    expect(thread).toContain("Resolved.");
  });
});

describe("replying to a reporter", () => {
  it("mails a form reporter and shows the reply in their private view under the staff member's name", async () => {
    const report = await fileReport();
    const mail = fakeMail();
    const s = await signedIn("responder", { name: unique("Jo Responder") });
    const res = await consolePost(`/admin/reports/${report.reference}/reply`, s, { body: "We restarted the PHP pool on web12; sites are back." }, { overrides: { EMAIL: mail.binding } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/admin/reports/${report.reference}?done=reply-sent#reply`);

    const sent = mail.sent.filter((m) => m.to === report.email && m.subject.includes("Reply from"));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain("We restarted the PHP pool on web12; sites are back.");
    expect(sent[0]!.text).toContain(`-- ${s.name}, Example Hosting`);
    expect(sent[0]!.text).toContain(report.privatePath);

    const view = await (await call(report.privatePath)).text();
    expect(view).toContain("We restarted the PHP pool on web12; sites are back.");
    expect(view).toContain(s.name);
    expect(view).not.toContain("STAFF_TOKEN");

    const thread = textOf(await (await consoleGet(`/admin/reports/${report.reference}`, s)).text());
    expect(thread).toMatch(/sent by email/);
  });

  it("shows a token's replies as 'our team', never the token's label", async () => {
    const report = await fileReport();
    const label = unique("ci-bot");
    const { secret } = await createStaffToken(env.DB, { name: label, scopes: ["reports:write"], now: new Date() });
    const mail = fakeMail();
    const res = await call(`/api/admin/reports/${report.reference}/messages`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify({ body: "On it." }) }, { EMAIL: mail.binding });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { reply: { channel: string } }).reply.channel).toBe("email");
    const view = await (await call(report.privatePath)).text();
    expect(view).toContain("On it.");
    expect(view).toContain("Our team");
    expect(view).not.toContain(label);
    expect(mail.sent.find((m) => m.to === report.email && m.text.includes("On it."))!.text).not.toContain(label);
  });

  it("keeps a reply it cannot send in the thread, says so, and sends nothing", async () => {
    // A voicemail: the phone channel has no way to answer (a caller's number may be a landline).
    const r = await insertReport({ subject: unique("Voicemail only"), channel: "phone", reporter: { phone: "+31 6 9999 0000" } });
    const mail = fakeMail();
    const s = await signedIn("responder");
    const res = await consolePost(`/admin/reports/${r.reference}/reply`, s, { body: "We are calling you back." }, { overrides: { EMAIL: mail.binding } });
    expect(res.headers.get("location")).toBe(`/admin/reports/${r.reference}?done=reply-kept#reply`);
    expect(mail.sent).toHaveLength(0);
    const page = textOf(await (await consoleGet(`/admin/reports/${r.reference}?done=reply-kept`, s)).text());
    expect(page).toContain("kept in the thread only not sent");
    expect(page).toContain("could not be sent");
  });

  it("answers a caller who left an email by email, saying why", async () => {
    const r = await insertReport({ subject: unique("Voicemail with email"), channel: "phone", reporter: { phone: "+31 6 1111 2222", email: "sms-user@example.com" } });
    const mail = fakeMail();
    const s = await signedIn("responder");
    const page = textOf(await (await consoleGet(`/admin/reports/${r.reference}`, s)).text());
    expect(page).toContain("Replies through phone are not available yet: this one goes by email.");
    await consolePost(`/admin/reports/${r.reference}/reply`, s, { body: "Thanks, we see it." }, { overrides: { EMAIL: mail.binding } });
    expect(mail.sent.map((m) => m.to)).toEqual(["sms-user@example.com"]);
  });

  it("texts an SMS reporter from the hotline, saying so before and after", async () => {
    const number = `+316${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const r = await insertReport({ subject: unique("SMS reporter"), channel: "sms", reporter: { phone: number } });
    const twilio = { TWILIO_API_BASE: `${fakeProviders.url()}/twilio`, TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef", TWILIO_AUTH_TOKEN: "twilio-test-auth-token" };
    const s = await signedIn("responder");
    const page = textOf(await (await consoleGet(`/admin/reports/${r.reference}`, s)).text());
    expect(page).toContain(`Goes to the reporter by SMS: ${number}`);
    const res = await consolePost(`/admin/reports/${r.reference}/reply`, s, { body: "We are on it, calling you in 5 minutes." }, { overrides: twilio });
    expect(res.headers.get("location")).toBe(`/admin/reports/${r.reference}?done=reply-sent#reply`);
    const texts = (await fakeProviders.requests("twilio")).map((q) => Object.fromEntries(new URLSearchParams(q.body))).filter((f) => f.To === number);
    expect(texts.map((f) => f.Body?.split("\n")[0])).toEqual(["We are on it, calling you in 5 minutes."]);
    const thread = textOf(await (await consoleGet(`/admin/reports/${r.reference}`, s)).text());
    expect(thread).toMatch(/sent by SMS/);
  });

  it("refuses an empty reply with the message, and stores nothing", async () => {
    const r = await insertReport({ subject: unique("Empty reply") });
    const s = await signedIn("responder");
    const res = await consolePost(`/admin/reports/${r.reference}/reply`, s, { body: "   " });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Write a reply.");
    const staffMessages = await env.DB.prepare("SELECT COUNT(*) AS n FROM report_messages WHERE report_id = ?1 AND author = 'staff'").bind(r.id).first<{ n: number }>();
    expect(staffMessages!.n).toBe(0);
  });

  it("sends a reply once however often its job runs (queue deliveries repeat)", async () => {
    const report = await fileReport();
    const s = await signedIn("responder");
    const mail = fakeMail();
    await consolePost(`/admin/reports/${report.reference}/reply`, s, { body: "Once only." }, { overrides: { EMAIL: mail.binding } });
    const row = await env.DB.prepare("SELECT id FROM report_messages WHERE body = 'Once only.'").first<{ id: number }>();
    const svc = { ...servicesOf({ ...env, EMAIL: mail.binding } as Env) };
    await deliverReply(svc, row!.id, new Date());
    await deliverReply(svc, row!.id, new Date());
    expect(mail.sent.filter((m) => m.text.includes("Once only."))).toHaveLength(1);
    expect((await findReplyDelivery(env.DB, row!.id))!.state).toBe("sent");
  });

  it("keeps a reply queued when the mail service refuses for now, and retries it", async () => {
    const report = await fileReport();
    const s = await signedIn("responder");
    const failing = fakeMail({ fail: true });
    await consolePost(`/admin/reports/${report.reference}/reply`, s, { body: "Retry me." }, { overrides: { EMAIL: failing.binding } });
    const row = await env.DB.prepare("SELECT id FROM report_messages WHERE body = 'Retry me.'").first<{ id: number }>();
    const first = (await findReplyDelivery(env.DB, row!.id))!;
    expect(first).toMatchObject({ state: "queued", error: "mail refused", attempts: 1 });
    const working = fakeMail();
    await deliverReply(servicesOf({ ...env, EMAIL: working.binding } as Env), row!.id, new Date());
    expect((await findReplyDelivery(env.DB, row!.id))!.state).toBe("sent");
    expect(working.sent).toHaveLength(1);
  });
});
