// The intake pipeline end to end through the Worker: form and API to D1, queue, mail, the
// reporter's view and the staff API.
import { createScheduledController, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../functions/index";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { intakeReport } from "../../functions/reports/intake";
import { SAFETY_NET_DELAY_SECONDS } from "../../functions/platform/services";
import { resendUndispatchedOutbox } from "../../functions/reports/outbox";
import { OUTBOX_RESEND_AFTER_MS } from "../../functions/platform/outbox-backoff.pure";
import { markOutboxDispatched } from "../../functions/reports/queries";
import { pushConfig } from "../alerts/helpers";
import { staffHeaders, servicesOf } from "../helpers";
import { BASE, call, fakeMail, postApi, postForm, referenceFrom, uniqueIp, uniqueReport } from "./helpers";

async function reportRow(reference: string) {
  return env.DB.prepare("SELECT * FROM reports WHERE reference = ?1").bind(reference).first<Record<string, string | null>>();
}

async function staffGet(reference: string) {
  const res = await call(`/api/admin/reports/${reference}`, { headers: staffHeaders() });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & { messages: Array<{ author: string; body: string }> };
}

describe("the web form", () => {
  it("shows the form with the components and a one-time form id", async () => {
    await env.DB.prepare(
      "INSERT OR IGNORE INTO components (id, name, position, created_at, updated_at) VALUES ('web-hosting-t', 'Web hosting T', 1, '2026-01-01', '2026-01-01')",
    ).run();
    const res = await call("/report");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<option value="web-hosting-t">Web hosting T</option>');
    expect(page).toMatch(/name="form_id" value="[0-9a-f-]{36}"/);
    expect(page).toContain('src="/report-form.js"');
  });

  it("stores a report and answers 303 to the received page with the reference", async () => {
    const mail = fakeMail();
    const send = vi.spyOn(env.FANOUT, "send");
    const form = uniqueReport({ form_id: crypto.randomUUID() });
    const res = await postForm(form, { overrides: { EMAIL: mail.binding }, headers: { "user-agent": "TestBrowser/1.0" } });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/report\/received\?ref=R-[0-9A-Z]{8}&k=[0-9a-f]{32}$/);
    const reference = referenceFrom(location);

    const row = await reportRow(reference);
    expect(row).toMatchObject({ channel: "web", state: "new", urgency: "critical", subject: form.subject, reporter_email: form.email, user_agent: "TestBrowser/1.0" });
    expect(row!.client_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.duplicate_of).toBeNull();
    const outbox = await env.DB.prepare("SELECT * FROM outbox WHERE payload LIKE ?1").bind(`%${row!.id}%`).first<Record<string, string | number>>();
    expect(outbox).toMatchObject({ kind: "report.received", attempts: 1 });
    // The fan-out ran in this invocation after the answer (the outbox row is dispatched), and
    // the job is also on the queue, delayed, as the safety net should that run have died.
    expect(outbox!.dispatched_at).not.toBeNull();
    expect(send).toHaveBeenCalledWith({ type: "report.received", reportId: row!.id, outboxId: outbox!.id }, { delaySeconds: SAFETY_NET_DELAY_SECONDS });
    send.mockRestore();

    // The confirmation mail carries the reference and the private link.
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]).toMatchObject({ to: form.email, from: env.MAIL_FROM });
    expect(mail.sent[0]!.subject).toContain(reference);
    expect(mail.sent[0]!.text).toContain(`/r/${reference}?k=`);

    const received = await call(location);
    expect(received.status).toBe(200);
    const page = await received.text();
    expect(page).toContain(reference);
    expect(page).toContain(`href="/r/${reference}?k=`);
    expect(page).toContain("How to reach us when everything is down");
  });

  it("records the intake path as verified in assurance", async () => {
    // The row is one per database: only a time at or after this test's own post proves it.
    const before = new Date().toISOString();
    await postForm(uniqueReport());
    const row = await env.DB.prepare("SELECT last_verified_at FROM assurance_checks WHERE name = 'intake:web'").first<{ last_verified_at: string }>();
    expect(row!.last_verified_at >= before).toBe(true);
  });

  it("treats the same form sent twice with the same text as one report", async () => {
    const form = uniqueReport({ form_id: crypto.randomUUID() });
    const ip = uniqueIp();
    const first = await postForm(form, { ip });
    const second = await postForm(form, { ip });
    expect(referenceFrom(second.headers.get("location"))).toBe(referenceFrom(first.headers.get("location")));
    // The same form with other text (back button, new problem) is a new report.
    const third = await postForm({ ...form, message: `${form.message} And now mail too.` }, { ip });
    expect(referenceFrom(third.headers.get("location"))).not.toBe(referenceFrom(first.headers.get("location")));
  });

  it("shows the received page without a private link when the token does not match", async () => {
    const res = await postForm(uniqueReport());
    const reference = referenceFrom(res.headers.get("location"));
    const page = await (await call(`/report/received?ref=${reference}&k=${"0".repeat(32)}`)).text();
    expect(page).toContain(reference);
    expect(page).not.toContain(`/r/${reference}`);
  });
});

describe("POST /api/reports", () => {
  it("answers 201 with the reference and the private status URL", async () => {
    const body = uniqueReport({ urgency: "normal" });
    const res = await postApi(body);
    expect(res.status).toBe(201);
    const json = (await res.json()) as { reference: string; status_url: string };
    expect(json.reference).toMatch(/^R-[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(json.status_url).toMatch(new RegExp(`^${BASE}/r/${json.reference}\\?k=[0-9a-f]{32}$`));
    expect(await reportRow(json.reference)).toMatchObject({ channel: "api", urgency: "normal" });
    const view = await call(new URL(json.status_url).pathname + new URL(json.status_url).search);
    expect(view.status).toBe(200);
  });

  it("honours Idempotency-Key: the same key returns the same report, once stored", async () => {
    const key = crypto.randomUUID();
    const body = uniqueReport();
    const ip = uniqueIp();
    const first = await postApi(body, { ip, headers: { "idempotency-key": key } });
    const second = await postApi(body, { ip, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [(await first.json()) as { reference: string; status_url: string }, (await second.json()) as { reference: string; status_url: string }];
    expect(b).toEqual(a);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE subject = ?1").bind(body.subject).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("accepts the longest valid report in a 3-byte script through the form (the cap fits it)", async () => {
    const res = await postForm(uniqueReport({ message: "漢".repeat(10_000), name: "名".repeat(200) }));
    expect(res.status).toBe(303);
  });

  it("stores one report when the same Idempotency-Key arrives concurrently", async () => {
    const key = crypto.randomUUID();
    const body = uniqueReport();
    // One client sending the same request five times at once (within its rate limit).
    const ip = uniqueIp();
    const answers = await Promise.all(Array.from({ length: 5 }, () => postApi(body, { ip, headers: { "idempotency-key": key } })));
    expect(answers.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    const refs = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { reference: string }).reference)));
    expect(refs.size).toBe(1);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE subject = ?1").bind(body.subject).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("accepts a phone number as the only contact and no mail is sent", async () => {
    const mail = fakeMail();
    const res = await postApi({ subject: "VPS unreachable", message: "My VPS 10.0.0.5 is unreachable since noon.", phone: "+31 6 12345678" }, { overrides: { EMAIL: mail.binding } });
    expect(res.status).toBe(201);
    expect(mail.sent).toHaveLength(0);
  });
});

describe("one intake function for every channel", () => {
  it("makes a channel message id idempotent (e.g. an email Message-ID delivered twice)", async () => {
    const input = {
      channel: "email" as const,
      reporter: { email: "bob@example.net", name: "Bob" },
      subject: "Mail server down",
      message: "No mail since this morning at all.",
      channelMessageId: `<${crypto.randomUUID()}@mail.example.net>`,
    };
    const a = await intakeReport(servicesOf(), input);
    const b = await intakeReport(servicesOf(), input);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.report.reference).toBe(a.report.reference);
    expect(b.viewUrl).toBe(a.viewUrl);
  });

  it("stores identical text from the same reporter within minutes, flagged so the fan-out pages nobody", async () => {
    const body = uniqueReport();
    const first = (await (await postApi(body)).json()) as { reference: string };
    const second = (await (await postApi(body)).json()) as { reference: string };
    expect(second.reference).not.toBe(first.reference);
    const [r1, r2] = [await reportRow(first.reference), await reportRow(second.reference)];
    // The flag the fan-out respects: reports.duplicate_of (see functions/alerts: a duplicate
    // joins its original's alert and pages nobody).
    expect(r1!.duplicate_of).toBeNull();
    expect(r2!.duplicate_of).toBe(r1!.id);
    const staff = await staffGet(second.reference);
    expect(staff.duplicate_of).toBe(r1!.id);
    expect(staff.messages.at(-1)!.body).toContain(`Same text as ${first.reference}`);
    // Not a duplicate once the window has passed, nor when the control is off.
    const later = await intakeReport(servicesOf(), { channel: "api", reporter: { email: body.email }, subject: body.subject, message: body.message }, { now: new Date(Date.now() + 11 * 60_000) });
    expect(later.duplicateOf).toBeNull();
    const off = await intakeReport(servicesOf({ ...env, REPORT_PROTECTIONS: "rate-limit" }), { channel: "api", reporter: { email: body.email }, subject: body.subject, message: body.message });
    expect(off.duplicateOf).toBeNull();
  });

  it("pages again for the same text from another reporter", async () => {
    const body = uniqueReport();
    const first = (await (await postApi(body)).json()) as { reference: string };
    const second = (await (await postApi({ ...body, email: "someone-else@example.com" })).json()) as { reference: string };
    expect((await reportRow(second.reference))!.duplicate_of).toBeNull();
    expect(first.reference).not.toBe(second.reference);
  });
});

describe("the outbox", () => {
  it("keeps the report when the queue send fails, and the cron sweep sends it again", async () => {
    const failingQueue = { send: vi.fn(async () => Promise.reject(new Error("queue unavailable"))), sendBatch: vi.fn() } as unknown as Queue;
    const res = await postApi(uniqueReport(), { overrides: { FANOUT: failingQueue } });
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    const row = (await reportRow(reference))!;
    const outbox = (await env.DB.prepare("SELECT * FROM outbox WHERE payload LIKE ?1").bind(`%${row.id}%`).first<Record<string, string>>())!;
    expect(outbox.last_error).toContain("queue unavailable");
    // The fan-out ran inline anyway; say it died mid-way (as an invocation can): only the
    // outbox is left to bring the report to on-call.
    await env.DB.prepare("UPDATE outbox SET dispatched_at = NULL WHERE id = ?1").bind(outbox.id).run();

    const send = vi.spyOn(env.FANOUT, "send");
    // Not yet: the sweep waits a minute after the last send.
    await resendUndispatchedOutbox(servicesOf(), new Date());
    expect(send).not.toHaveBeenCalledWith(expect.objectContaining({ outboxId: outbox.id }));
    // Through the real scheduled handler, a minute later.
    const later = Date.now() + OUTBOX_RESEND_AFTER_MS + 1000;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(send).toHaveBeenCalledWith({ type: "report.received", reportId: row.id, outboxId: outbox.id });
    send.mockRestore();
    const after = (await env.DB.prepare("SELECT attempts, last_error FROM outbox WHERE id = ?1").bind(outbox.id).first<Record<string, unknown>>())!;
    expect(after).toEqual({ attempts: 2, last_error: null });

    // Once the consumer marks it dispatched, the sweep leaves it alone.
    await markOutboxDispatched(env.DB, outbox.id!, new Date());
    const again = vi.spyOn(env.FANOUT, "send");
    await resendUndispatchedOutbox(servicesOf(), new Date(later + 10 * OUTBOX_RESEND_AFTER_MS));
    expect(again).not.toHaveBeenCalledWith(expect.objectContaining({ outboxId: outbox.id }));
    again.mockRestore();
  });
});

describe("the reporter's private view", () => {
  async function newReport() {
    const res = await postApi(uniqueReport());
    const { reference, status_url } = (await res.json()) as { reference: string; status_url: string };
    const url = new URL(status_url);
    return { reference, path: url.pathname + url.search };
  }

  it("shows the state and the thread including staff replies, and takes follow-ups", async () => {
    const { reference, path } = await newReport();
    const mail = fakeMail();
    const reply = await call(`/api/admin/reports/${reference}/messages`, {
      method: "POST",
      headers: staffHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ body: "We are looking into web12 now." }),
    }, { EMAIL: mail.binding });
    expect(reply.status).toBe(201);
    expect(mail.sent[0]!.text).toContain("We are looking into web12 now.");
    expect(mail.sent[0]!.text).toContain(path);

    let page = await (await call(path)).text();
    expect(page).toContain(reference);
    expect(page).toContain("We are looking into web12 now.");
    expect(page).toContain('data-state="new"');

    const follow = await postForm({ message: "It is back for half of our sites." }, { path });
    expect(follow.status).toBe(303);
    expect(follow.headers.get("location")).toBe(`${path}#latest`);
    page = await (await call(path)).text();
    expect(page).toContain("It is back for half of our sites.");

    await call(`/api/admin/reports/${reference}/ack`, { method: "POST", headers: staffHeaders() });
    page = await (await call(path)).text();
    expect(page).toContain('data-state="acknowledged"');
  });
});

describe("staff API", () => {
  it("lists reports newest first with filters, each with its messages and deliveries", async () => {
    const a = (await (await postApi(uniqueReport())).json()) as { reference: string };
    await new Promise((r) => setTimeout(r, 5));
    const b = (await (await postForm(uniqueReport())).headers.get("location"))!;
    const refB = referenceFrom(b);
    const res = await call("/api/admin/reports?limit=100", { headers: staffHeaders() });
    expect(res.status).toBe(200);
    const { reports } = (await res.json()) as { reports: Array<{ reference: string; created_at: string; messages: unknown[]; deliveries: unknown[] }> };
    const refs = reports.map((r) => r.reference);
    expect(refs.indexOf(refB)).toBeLessThan(refs.indexOf(a.reference));
    const dates = reports.map((r) => r.created_at);
    expect([...dates].sort().reverse()).toEqual(dates);
    const one = reports.find((r) => r.reference === a.reference)!;
    expect(one).toMatchObject({ channel: "api", state: "new", acknowledged_at: null, deliveries: [] });
    expect(one.messages).toHaveLength(1);

    const webOnly = (await (await call("/api/admin/reports?channel=web&state=new", { headers: staffHeaders() })).json()) as { reports: Array<{ channel: string }> };
    expect(webOnly.reports.length).toBeGreaterThan(0);
    expect(webOnly.reports.every((r) => r.channel === "web")).toBe(true);
  });

  it("pages through every report with next_cursor, even when several share a timestamp", async () => {
    const now = new Date("2026-11-20T10:00:00.000Z");
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await intakeReport(servicesOf(), { channel: "sms", reporter: { phone: `+3161234${String(i).padStart(4, "0")}` }, subject: `Same second ${i}`, message: "Phone line reports are all down." }, { now });
      created.push(r.report.reference);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/api/admin/reports?channel=sms&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers: staffHeaders() });
      const page = (await res.json()) as { reports: Array<{ reference: string }>; next_cursor: string | null };
      seen.push(...page.reports.map((r) => r.reference));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.filter((r) => created.includes(r)).sort()).toEqual([...created].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("acknowledges a report once, with a system message and an audit entry", async () => {
    const { reference } = (await (await postApi(uniqueReport())).json()) as { reference: string };
    const res = await call(`/api/admin/reports/${reference.toLowerCase()}/ack`, { method: "POST", headers: staffHeaders() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { state: string; acknowledged_at: string; messages: Array<{ author: string }>; alert: unknown };
    expect(body.state).toBe("acknowledged");
    expect(body.acknowledged_at).toBeTruthy();
    expect(body.messages.map((m) => m.author)).toEqual(["reporter", "system"]);
    const again = (await (await call(`/api/admin/reports/${reference}/ack`, { method: "POST", headers: staffHeaders() })).json()) as typeof body;
    expect(again.acknowledged_at).toBe(body.acknowledged_at);
    expect(again.messages).toHaveLength(2);
    const audit = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'report.ack' AND target = ?1").bind(reference).first<{ n: number }>();
    expect(audit!.n).toBe(1);
  });

  it("shows the alert the fan-out grouped a report into, and its deliveries", async () => {
    // Someone on call, reached by mail, through a policy of this test's own component.
    const component = `cmp_inbox_${crypto.randomUUID().slice(0, 6)}`;
    await env.DB.prepare("INSERT INTO components (id, name, status, position, created_at, updated_at) VALUES (?1, 'Inbox test', 'operational', 99, ?2, ?2)").bind(component, new Date().toISOString()).run();
    await pushConfig({
      version: 1,
      people: [{ id: "quinn", name: "Quinn", timezone: "UTC", contactMethods: [{ type: "email", address: "quinn@ops.example.test" }] }],
      policies: [{ id: "inbox", levels: [{ timeoutMinutes: 5, targets: [{ person: "quinn" }] }] }],
      routing: { rules: [{ components: [component], policy: "inbox" }], defaultPolicy: "inbox" },
    });
    // A subject of its own: similar subjects of earlier tests would group it into their alert.
    const { reference } = (await (await postApi(uniqueReport({ component, subject: `Inbox deliveries check ${component}` }))).json()) as { reference: string };
    const body = (await staffGet(reference)) as unknown as {
      alert: { id: string; events: Array<{ type: string }> } | null;
      alert_id: string;
      deliveries: Array<{ person_id: string; channel: string; target: string; purpose: string; state: string }>;
    };
    expect(body.alert_id).toBeTruthy();
    expect(body.alert?.id).toBe(body.alert_id);
    expect(body.alert!.events.map((e) => e.type)).toContain("paged");
    expect(body.deliveries).toEqual([expect.objectContaining({ person_id: "quinn", channel: "email", target: "quinn@ops.example.test", purpose: "page", state: "sent" })]);
  });

  it("resolves a report", async () => {
    const { reference } = (await (await postApi(uniqueReport())).json()) as { reference: string };
    const res = await call(`/api/admin/reports/${reference}/resolve`, { method: "POST", headers: staffHeaders() });
    expect(((await res.json()) as { state: string }).state).toBe("resolved");
  });
});
