// The email sweep (cron) and the staff list of inbound mail: nothing received is lost, and staff
// see what every mail became.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { giveUpOnMail, moveLegacyRaw, processWaitingMail, MAX_ATTEMPTS } from "../../functions/email/sweep";
import { findFile } from "../../functions/files/queries";
import { quietOnCall, testEnv } from "../alerts/helpers";
import { fetchWorker, staffHeaders, unique } from "../helpers";
import { inboundRow, kimOnCall, messageIdIn, receive, reportOf } from "./helpers";
import { mail, newMessageId, URGENT } from "./mails";

beforeAll(kimOnCall);
beforeEach(quietOnCall);

describe("the email sweep", () => {
  it("processes mail whose processing failed, and a redelivery of it is left to the sweep", async () => {
    const t = testEnv();
    const raw = mail({ subject: "Processed by the sweep" });
    const id = messageIdIn(raw);
    // D1 takes the mail's row (the first batch), then fails every later write: an overload
    // mid-way, so the first processing fails after the mail is safely stored.
    const realBatch = t.svc.db.batch.bind(t.svc.db);
    let failing = true;
    let batches = 0;
    t.svc.db = new Proxy(t.svc.db, {
      get(target, prop) {
        if (prop === "batch") return (s: D1PreparedStatement[]) => (failing && ++batches > 1 ? Promise.reject(new Error("D1 overloaded")) : realBatch(s));
        const v = (target as unknown as Record<string | symbol, unknown>)[prop];
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const now = new Date();
    await receive(t, { raw, to: URGENT }, now);
    const after = (await inboundRow(id))!;
    expect(after).toMatchObject({ state: "received", attempts: 1, error: expect.stringContaining("D1 overloaded") });
    // Delivered again: not processed inline (it killed its processor once), still accepted.
    const again = await receive(t, { raw, to: URGENT }, new Date(now.getTime() + 1000));
    expect(again.thrown).toBeNull();
    expect((await inboundRow(id))!.attempts).toBe(1);

    failing = false;
    expect(await processWaitingMail(t.svc, new Date(now.getTime() + 3 * 60_000))).toBeGreaterThanOrEqual(1);
    expect((await inboundRow(id))!).toMatchObject({ state: "processed", kind: "report" });
    expect((await reportOf(id))!.subject).toBe("Processed by the sweep");
    // Answered by a new message (the email event is over), once.
    expect(t.mail.filter((m) => m.subject.includes("We received your urgent report") && m.to === "alice@customer.test").length).toBeLessThanOrEqual(1);
  });

  it("gives up after the last attempt: marks it failed and tells on-call directly, once", async () => {
    const t = testEnv();
    const raw = mail({ subject: `Unprocessable ${unique("u")}` });
    const now = new Date();
    const got = await receive(t, { raw, to: URGENT }, now);
    expect(got.thrown).toBeNull();
    const row = (await inboundRow(messageIdIn(raw)))!;
    await env.DB.prepare("UPDATE inbound_emails SET state = 'received', attempts = ?2, error = 'parser crashed' WHERE id = ?1").bind(row.id, MAX_ATTEMPTS).run();
    expect(await giveUpOnMail(t.svc, new Date(now.getTime() + 5 * 60_000))).toBeGreaterThanOrEqual(1);
    expect((await inboundRow(messageIdIn(raw)))!).toMatchObject({ state: "failed", kind: "failed" });
    const page = t.mail.find((m) => m.subject.startsWith("URGENT: a mail to") && m.text.includes(row.subject!))!;
    expect(page.to).toBe("oncall@example-hosting.test");
    expect(page.text).toContain(`/api/admin/files/${row.rawFileId}`);
    expect(await giveUpOnMail(t.svc, new Date(now.getTime() + 6 * 60_000))).toBe(0);
  });

  it("moves raw mail kept in D1 before schema v8 to R2", async () => {
    const t = testEnv();
    const messageId = newMessageId();
    const raw = mail({ messageId, subject: "Legacy" });
    await env.DB.prepare("INSERT INTO inbound_emails (id, message_id, mail_from, rcpt_to, subject, raw_size, raw, state, received_at) VALUES (?1, ?2, 'a@x.test', ?3, 'Legacy', ?4, ?5, 'processed', ?6)")
      .bind(unique("legacy"), messageId, URGENT, raw.length, raw, new Date().toISOString())
      .run();
    await moveLegacyRaw(t.svc, new Date());
    const row = await env.DB.prepare("SELECT raw, raw_file_id FROM inbound_emails WHERE message_id = ?1").bind(messageId).first<{ raw: string | null; raw_file_id: string }>();
    expect(row!.raw).toBeNull();
    const file = (await findFile(env.DB, row!.raw_file_id))!;
    expect(await (await env.FILES.get(file.r2Key))!.text()).toBe(raw);
  });
});

describe("GET /api/admin/inbound-emails", () => {
  it("needs a staff token", async () => {
    expect((await fetchWorker("/api/admin/inbound-emails")).status).toBe(401);
    expect((await fetchWorker("/api/admin/inbound-emails", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("lists what each mail became, newest first, filtered by kind", async () => {
    const t = testEnv();
    const ooo = mail({ from: `${unique("away")}@customer.test`, subject: "Out of office", headers: { "Auto-Submitted": "auto-replied" } });
    await receive(t, { raw: ooo, to: URGENT });
    const res = await fetchWorker("/api/admin/inbound-emails?kind=auto-reply&limit=5", { headers: staffHeaders() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { emails: Array<Record<string, unknown>> };
    const mine = body.emails.find((e) => e.message_id === messageIdIn(ooo))!;
    expect(mine).toMatchObject({ kind: "auto-reply", state: "processed", to: URGENT, raw: expect.stringMatching(/^\/api\/admin\/files\/f_/) });
    expect(body.emails.every((e) => e.kind === "auto-reply")).toBe(true);
  });

  it("pages through mail received in the same millisecond without skipping or repeating any", async () => {
    const at = "2020-01-01T00:00:00.000Z";
    const tag = unique("page");
    for (let i = 0; i < 5; i++) {
      await env.DB.prepare("INSERT INTO inbound_emails (id, message_id, mail_from, rcpt_to, subject, raw_size, state, kind, received_at) VALUES (?1, ?2, 'a@x.test', ?3, ?4, 1, 'processed', 'loop', ?5)")
        .bind(`${tag}_${i}`, `<${tag}-${i}@x.test>`, URGENT, tag, at)
        .run();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await fetchWorker(`/api/admin/inbound-emails?kind=loop&before=2020-01-01T00:00:00.001Z&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers: staffHeaders() });
      const body = (await res.json()) as { emails: Array<{ id: string }>; next_cursor: string | null };
      seen.push(...body.emails.map((e) => e.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen.filter((id) => id.startsWith(tag)).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${tag}_${i}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("refuses a bad filter with the field named", async () => {
    const res = await fetchWorker("/api/admin/inbound-emails?kind=spam", { headers: staffHeaders() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields.kind).toBeDefined();
  });
});
