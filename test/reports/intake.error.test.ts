// Bad input and failures: specific errors, the input kept, nothing stored, and the honest
// D1-failure path.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { intakeReport, IntakeUnavailableError } from "../../functions/reports/intake";
import { resendUndispatchedOutbox } from "../../functions/reports/outbox";
import { OUTBOX_FALLBACK_AFTER_ATTEMPTS, OUTBOX_MAX_INTERVAL_MS } from "../../functions/platform/outbox-backoff.pure";
import { staffHeaders, servicesOf } from "../helpers";
import { brokenDb, call, fakeMail, postApi, postForm, uniqueIp, uniqueReport } from "./helpers";

async function countReports(subject: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE subject = ?1").bind(subject).first<{ n: number }>();
  return row!.n;
}

describe("the web form refuses bad input field by field", () => {
  it("comes back with the input kept and a message at each field", async () => {
    const form = uniqueReport({ email: "not-an-email", message: "help", name: "Ada <b>Lovelace</b>" });
    const res = await postForm(form);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain(`value="${form.subject}"`);
    expect(page).toContain('value="not-an-email"');
    expect(page).toContain('value="Ada &lt;b&gt;Lovelace&lt;/b&gt;"');
    expect(page).toMatch(/<textarea[^>]*name="message"[^>]*aria-invalid="true"[^>]*>help<\/textarea>/);
    expect(page).toMatch(/id="email-error" data-slot="error-email">Enter an email address like name@example.com.<\/p>/);
    expect(page).toMatch(/id="message-error" data-slot="error-message">Please describe the problem in at least 10 characters.<\/p>/);
    expect(page).toContain("Please correct 2 fields:");
    // Listed in the order of the form: the message comes before the email.
    expect(page.indexOf('href="#message"')).toBeLessThan(page.indexOf('href="#email"'));
    expect(page).toMatch(/value="critical" checked/);
    expect(await countReports(form.subject)).toBe(0);
  });

  it("asks for an email or a phone at both fields when neither is given", async () => {
    const page = await (await postForm(uniqueReport({ email: "", phone: "" }))).text();
    expect(page).toMatch(/data-slot="error-email">Give an email address or a phone number/);
    expect(page).toMatch(/data-slot="error-phone">Give an email address or a phone number/);
  });

  it("refuses a component that does not exist, keeping the rest", async () => {
    const form = uniqueReport({ component: "no-such-component" });
    const res = await postForm(form);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Choose a component from the list.");
    expect(await countReports(form.subject)).toBe(0);
  });

  it("answers 413 before parsing a body over the cap", async () => {
    const res = await postForm({ ...uniqueReport(), message: "x".repeat(200 * 1024) });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("How to reach us when everything is down");
  });

  it("answers 413 on a declared Content-Length over the cap without reading", async () => {
    const res = await call("/report", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "999999", origin: "http://127.0.0.1:8787", "cf-connecting-ip": uniqueIp() },
      body: "subject=x",
    });
    expect(res.status).toBe(413);
  });

  it("answers 415 to a body that is not a form", async () => {
    const res = await call("/report", { method: "POST", headers: { "content-type": "application/json", origin: "http://127.0.0.1:8787" }, body: "{}" });
    expect(res.status).toBe(415);
  });

  it("answers 429 with Retry-After and the other contacts after too many reports", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 7; i++) {
      last = await postForm(uniqueReport(), { ip });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([303, 303, 303, 303, 303]);
    expect(statuses.at(-1)).toBe(429);
    expect(last!.headers.get("retry-after")).toBe("60");
    const page = await last!.text();
    expect(page).toContain("Too many reports from your connection");
    expect(page).toContain("How to reach us when everything is down");
    expect(page).toContain('Mastodon: <a href="https://mastodon.example/@examplehosting" rel="noopener">@examplehosting@mastodon.example</a>');
    expect(page).toContain('Bluesky: <a href="https://bsky.app/profile/status.example-hosting.test" rel="noopener">@status.example-hosting.test</a>');
    // The form comes back as it was, ready to send again.
    expect(page).toContain("Since 09:40 every site on web12 answers 502");
    // Another client is not affected.
    expect((await postForm(uniqueReport())).status).toBe(303);
  });
});

describe("POST /api/reports errors", () => {
  it("names each bad field in the one error shape", async () => {
    const res = await postApi({ subject: "", message: "short", email: "x" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string>; requestId: string } };
    expect(body.error.code).toBe("validation_failed");
    expect(Object.keys(body.error.fields).sort()).toEqual(["email", "message", "subject"]);
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it.each([
    ["not JSON", "{nope", 400, "bad_request"],
    ["an empty body", "", 400, "bad_request"],
    ["a JSON array", "[]", 400, "validation_failed"],
  ])("refuses %s", async (_name, body, status, code) => {
    const res = await postApi(body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it("answers 415 without a JSON content type and 413 over the cap", async () => {
    const wrongType = await call("/api/reports", { method: "POST", headers: { "content-type": "text/plain", "cf-connecting-ip": uniqueIp() }, body: "hi" });
    expect(wrongType.status).toBe(415);
    const tooBig = await postApi({ ...uniqueReport(), message: "y".repeat(200 * 1024) });
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("refuses an unusable Idempotency-Key and a key reused for another report (409)", async () => {
    const bad = await postApi(uniqueReport(), { headers: { "idempotency-key": "x".repeat(300) } });
    expect(bad.status).toBe(400);
    const key = crypto.randomUUID();
    const ip = uniqueIp();
    expect((await postApi(uniqueReport(), { ip, headers: { "idempotency-key": key } })).status).toBe(201);
    const reused = await postApi(uniqueReport(), { ip, headers: { "idempotency-key": key } });
    expect(reused.status).toBe(409);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe("conflict");
  });

  it("answers 429 with Retry-After once the API limit (the form's: 5 a minute) is spent", async () => {
    const ip = uniqueIp();
    let res: Response | null = null;
    let accepted = 0;
    // 2 x 5 + 1: the wall-clock-aligned 60 s window may roll over during the loop.
    for (let i = 0; i < 11 && res?.status !== 429; i++) {
      res = await postApi(uniqueReport(), { ip });
      if (res.status === 201) accepted++;
    }
    expect(accepted).toBeLessThanOrEqual(10);
    expect(res!.status).toBe(429);
    expect(res!.headers.get("retry-after")).toBe("60");
    expect(((await res!.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });
});

describe("when D1 is unavailable", () => {
  it("the form answers 503 with the contacts and the text kept, and pages on-call by mail", async () => {
    const mail = fakeMail();
    const form = uniqueReport();
    const res = await postForm(form, { overrides: { DB: brokenDb, EMAIL: mail.binding, FALLBACK_PAGE_TO: "a@oncall.test, b@oncall.test" } });
    expect(res.status).toBe(503);
    const page = await res.text();
    expect(page).toContain("We could not record this report.");
    expect(page).toContain("We have sent your text directly to the engineer on call");
    expect(page).toContain("How to reach us when everything is down");
    expect(page).toContain(form.message);
    expect(mail.sent.map((m) => m.to).sort()).toEqual(["a@oncall.test", "b@oncall.test"]);
    expect(mail.sent[0]!.subject).toContain(form.subject);
    expect(mail.sent[0]!.text).toContain(form.message);
    expect(mail.sent[0]!.text).toContain(form.email);
  });

  it("the API answers 503 unavailable, saying whether on-call was paged", async () => {
    const mail = fakeMail({ fail: true });
    const res = await postApi(uniqueReport(), { overrides: { DB: brokenDb, EMAIL: mail.binding } });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unavailable");
    expect(body.error.message).toContain("Contact us directly");
    expect(body.error.message).not.toContain("sent to the engineer");
  });

  it("intake throws IntakeUnavailableError for every channel, after paging directly", async () => {
    const mail = fakeMail();
    const failing = { ...env, DB: brokenDb, EMAIL: mail.binding, FALLBACK_PAGE_TO: "oncall@x.test" } as Env;
    const err = await intakeReport(servicesOf(failing), { channel: "email", reporter: { email: "c@example.com" }, subject: "Down", message: "Everything is down here." }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntakeUnavailableError);
    expect((err as IntakeUnavailableError).paged).toBe(true);
    expect(mail.sent).toHaveLength(1);
  });

  it("the form itself still renders without components", async () => {
    const res = await call("/report", {}, { DB: brokenDb });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Send urgent report");
  });
});

describe("staff API errors", () => {
  it("needs a token, the right scope and a known reference", async () => {
    expect((await call("/api/admin/reports")).status).toBe(401);
    expect((await call("/api/admin/reports/R-00000000", { headers: staffHeaders() })).status).toBe(404);
    expect((await call("/api/admin/reports/not-a-reference", { headers: staffHeaders() })).status).toBe(404);
    expect((await call("/api/admin/reports/R-00000000/ack", { method: "POST", headers: staffHeaders() })).status).toBe(404);
  });

  it.each(["state=open", "channel=fax", "limit=0", "limit=1000", "before=yesterday"])("refuses the filter %s", async (query) => {
    const res = await call(`/api/admin/reports?${query}`, { headers: staffHeaders() });
    expect(res.status).toBe(400);
  });

  it("refuses a staff reply without text", async () => {
    const { reference } = (await (await postApi(uniqueReport())).json()) as { reference: string };
    const res = await call(`/api/admin/reports/${reference}/messages`, {
      method: "POST",
      headers: staffHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ body: "" }),
    });
    expect(res.status).toBe(400);
  });
});

describe("the outbox sweep", () => {
  it("never gives up on a stored report during a long queue outage, and pages on-call by mail once", async () => {
    // A report stored an hour ago whose job the queue never delivered (the queue is down).
    const { reference } = (await (await postApi(uniqueReport({ name: "Grace Hopper", phone: "+31 20 555 0101" }))).json()) as { reference: string };
    const report = (await env.DB.prepare("SELECT id FROM reports WHERE reference = ?1").bind(reference).first<{ id: string }>())!;
    const outbox = (await env.DB.prepare("SELECT id FROM outbox WHERE payload LIKE ?1").bind(`%${report.id}%`).first<{ id: string }>())!;
    const start = Date.parse("2026-12-01T00:00:00Z");
    await env.DB.prepare("UPDATE outbox SET attempts = 1, last_attempt_at = ?2, dispatched_at = NULL WHERE id = ?1").bind(outbox.id, new Date(start).toISOString()).run();
    const mail = fakeMail();
    const svc = servicesOf({ ...env, EMAIL: mail.binding, FALLBACK_PAGE_TO: "oncall@ops.example.test", FANOUT: { send: async () => {}, sendBatch: async () => {} } as unknown as Queue });
    // Sweep every minute for three hours: the row is re-sent at growing intervals, never dropped.
    let sends = 0;
    for (let minute = 1; minute <= 180; minute++) {
      const res = await resendUndispatchedOutbox(svc, new Date(start + minute * 60_000));
      sends += res.resent;
    }
    const row = (await env.DB.prepare("SELECT attempts, fallback_paged_at FROM outbox WHERE id = ?1").bind(outbox.id).first<{ attempts: number; fallback_paged_at: string }>())!;
    expect(row.attempts).toBe(1 + sends);
    expect(sends).toBeGreaterThanOrEqual(10); // still going after the old limit of 10 ...
    expect(sends).toBeLessThanOrEqual(3 + 180 / (OUTBOX_MAX_INTERVAL_MS / 60_000) + 1); // ... with backoff, not every minute
    // Paged directly, once, after OUTBOX_FALLBACK_AFTER_ATTEMPTS sends, with who needs help.
    const pages = mail.sent.filter((m) => m.to === "oncall@ops.example.test");
    expect(pages).toHaveLength(1);
    expect(pages[0]!.subject).toContain(reference);
    expect(pages[0]!.text).toContain("Grace Hopper");
    expect(pages[0]!.text).toContain("+31 20 555 0101");
    expect(Date.parse(row.fallback_paged_at) - start).toBeLessThanOrEqual(OUTBOX_FALLBACK_AFTER_ATTEMPTS * 4 * 60_000);
    const check = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = 'intake:outbox'").first<{ last_error: string }>();
    expect(check!.last_error).toMatch(/on-call was paged by mail/);
  });

  it("records a failed re-send and fails the cron task so it is visible", async () => {
    const id = crypto.randomUUID();
    const old = new Date(Date.now() - 3600_000).toISOString();
    await env.DB.prepare("INSERT INTO outbox (id, kind, payload, created_at, attempts, last_attempt_at) VALUES (?1, 'report.received', ?2, ?3, 1, ?3)")
      .bind(id, JSON.stringify({ type: "report.received", reportId: "r-x", outboxId: id }), old)
      .run();
    const failingQueue = { send: () => Promise.reject(new Error("queue down")) } as unknown as Queue;
    await expect(resendUndispatchedOutbox(servicesOf({ ...env, FANOUT: failingQueue } as Env), new Date())).rejects.toThrow(/outbox re-sends failed/);
    const row = await env.DB.prepare("SELECT attempts, last_error FROM outbox WHERE id = ?1").bind(id).first<{ attempts: number; last_error: string }>();
    expect(row).toEqual({ attempts: 2, last_error: "queue down" });
  });
});
