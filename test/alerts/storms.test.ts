// Paging under floods and storms. On-call humans are the scarcest resource: while a policy's
// alert waits for someone to acknowledge it, new alerts on that policy page nobody and reach
// the same people in a digest (at most one per person per window); a person woken by too many
// alerts within the hour hears of more only in the digest; reports about a known incident and
// repeated follow-ups go to the digest too. Every alert stays separate and can be acknowledged
// on its own. Real D1, a captured queue, a controlled clock, providers at the loopback fakes.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { flushDueDigests } from "../../functions/alerts/digest";
import { acknowledgeAlert, escalateDueAlerts, handleReportReceived, resolveAlert } from "../../functions/alerts/lifecycle";
import { findAlert } from "../../functions/alerts/queries";
import { addFollowUp } from "../../functions/reports/followup";
import { findReportById } from "../../functions/reports/queries";
import { createIncident } from "../../functions/status/writes";
import { fakeProviders, servicesOf, unique } from "../helpers";
import { alertOfReport, drain, fakeUrl, insertReport, minutes, pushConfig, quietOnCall, testEnv, type TestEnv } from "./helpers";

// Each test runs on a later day of its own, so that pages, digests and hourly counts of
// earlier tests in this file (same people, same database) never fall in its windows.
let day = 0;
let T0 = new Date("2027-01-01T02:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  await pushConfig(
    {
      version: 1,
      people: [
        {
          id: "ann",
          name: "Ann",
          timezone: "UTC",
          contactMethods: [
            { type: "email", address: "ann@ops.example.test" },
            { type: "sms", number: "+15005550301" },
            { type: "voice", number: "+15005550301" },
          ],
        },
        { id: "ben", name: "Ben", timezone: "UTC", contactMethods: [{ type: "email", address: "ben@ops.example.test" }] },
        {
          id: "pia",
          name: "Pia",
          timezone: "UTC",
          contactMethods: [
            { type: "email", address: "pia@ops.example.test" },
            { type: "sms", number: "+15005550302" },
            { type: "slack", webhookUrl: `${fakeUrl()}/slack/services/T1/B1/pia` },
            { type: "webhook", url: `${fakeUrl()}/webhook/pia` },
          ],
        },
      ],
      policies: [
        { id: "ops", levels: [{ timeoutMinutes: 5, targets: [{ person: "ann" }] }, { timeoutMinutes: 10, targets: [{ person: "ben" }] }] },
        { id: "db", levels: [{ timeoutMinutes: 5, targets: [{ person: "ann" }] }, { timeoutMinutes: 5, targets: [{ person: "ben" }] }] },
        { id: "web", levels: [{ timeoutMinutes: 5, targets: [{ person: "ann" }] }, { timeoutMinutes: 5, targets: [{ person: "ben" }] }] },
        { id: "contact", levels: [{ timeoutMinutes: 5, targets: [{ person: "pia" }] }] },
      ],
      routing: {
        rules: [
          { components: ["cmp_storm_db"], policy: "db" },
          { components: ["cmp_storm_web"], policy: "web" },
          { components: ["cmp_storm_contact"], policy: "contact" },
        ],
        defaultPolicy: "ops",
      },
    },
    new Date("2026-01-01T00:00:00Z"),
  );
});

beforeEach(async () => {
  await quietOnCall();
  T0 = new Date(Date.parse("2027-01-01T02:00:00.000Z") + ++day * 86_400_000);
});

/** Files a report at `when` and runs the fan-out until the queue is quiet. */
async function file(t: TestEnv, r: Parameters<typeof insertReport>[0], when: Date) {
  const report = await insertReport({ ...r, createdAt: when });
  await handleReportReceived(t.svc, report.job, when);
  await drain(t, when);
  return { report, alertId: (await alertOfReport(report.id))! };
}

async function deliveries(where: string, ...binds: unknown[]) {
  const { results } = await env.DB.prepare(`SELECT * FROM deliveries WHERE ${where} ORDER BY created_at, id`).bind(...binds).all<Record<string, string>>();
  return results;
}

const pagesTo = (person: string, since: Date) => deliveries("person_id = ?1 AND purpose IN ('page','fallback') AND created_at >= ?2", person, since.toISOString());
const digestsTo = (person: string, since: Date) => deliveries("person_id = ?1 AND purpose = 'digest' AND created_at >= ?2", person, since.toISOString());
/** One digest = one digest id, however many contact methods carried it. */
const digestIds = (rows: Array<Record<string, string>>) => new Set(rows.map((r) => r.id!.split(":")[0]));

describe("one alert at a time per policy", () => {
  it("holds new alerts while the policy's alert is unacknowledged and tells the same people in one digest", async () => {
    const t = testEnv();
    const start = at(0);
    const a = await file(t, { subject: "Outgoing mail stuck in queue" }, start);
    expect((await pagesTo("ann", start)).filter((d) => d.alert_id === a.alertId)).toHaveLength(3); // email, SMS, call

    // Three different problems while Ann has not acknowledged yet.
    const held = [];
    for (const [i, subject] of ["Webmail login refused", "DNS zone not resolving", "FTP upload fails"].entries()) {
      held.push(await file(t, { subject }, at(10_000 * (i + 1))));
    }
    for (const h of held) {
      const alert = (await findAlert(env.DB, h.alertId))!;
      expect(alert).toMatchObject({ state: "triggered", heldBy: a.alertId, nextEscalationAt: null });
      expect(await deliveries("alert_id = ?1 AND purpose = 'page'", h.alertId)).toHaveLength(0);
    }
    // The first digest went out at once, by mail and SMS: never by a call (a digest is not a page).
    const first = await digestsTo("ann", start);
    expect(digestIds(first).size).toBe(1);
    expect(first.map((d) => d.channel).sort()).toEqual(["email", "sms"]);
    const digestMail = t.mail.find((m) => m.subject.includes("DIGEST"))!;
    expect(digestMail.text).toContain("Webmail login refused");
    expect(digestMail.text).toMatch(/Ack all open: https:\/\/status\.example-hosting\.test\/ack\/dg_/);

    // Within the window nothing more; after it, the cron sends one digest with the rest.
    expect(await flushDueDigests(t.svc, at(minutes(2)))).toBe(0);
    expect(await flushDueDigests(t.svc, at(minutes(5) + 20_000))).toBe(1);
    await drain(t, at(minutes(5) + 20_000));
    const all = await digestsTo("ann", start);
    expect(digestIds(all).size).toBe(2);
    const second = t.mail.filter((m) => m.subject.includes("DIGEST"))[1]!;
    expect(second.text).toContain("DNS zone not resolving");
    expect(second.text).toContain("FTP upload fails");
  });

  it("pages the next held alert when the policy's alert is acknowledged, and new alerts page normally after", async () => {
    const t = testEnv();
    const a = await file(t, { subject: "Backups failing on every VPS" }, at(0));
    const b = await file(t, { subject: "Control panel shows error 500" }, at(20_000));
    expect((await findAlert(env.DB, b.alertId))!.heldBy).toBe(a.alertId);
    await acknowledgeAlert(t.svc, a.alertId, { actor: "Ann", via: "test", personId: "ann" }, at(60_000));
    await drain(t, at(60_000));
    const released = (await findAlert(env.DB, b.alertId))!;
    expect(released).toMatchObject({ heldBy: null, level: 0 });
    expect(await deliveries("alert_id = ?1 AND purpose = 'page'", b.alertId)).toHaveLength(3);
    // B is now the pager: acknowledged, the policy is free; a new alert pages at once.
    await acknowledgeAlert(t.svc, b.alertId, { actor: "Ann", via: "test", personId: "ann" }, at(90_000));
    const c = await file(t, { subject: "SSL certificates expired" }, at(120_000));
    expect((await findAlert(env.DB, c.alertId))!.heldBy).toBeNull();
    expect(await deliveries("alert_id = ?1 AND purpose = 'page'", c.alertId)).toHaveLength(3);
  });

  it("pages a held alert when the policy's alert ran out of escalation without an acknowledgement", async () => {
    const t = testEnv();
    const a = await file(t, { subject: "Storage array degraded" }, at(0));
    const b = await file(t, { subject: "Customer VMs paused" }, at(30_000));
    expect((await findAlert(env.DB, b.alertId))!.heldBy).toBe(a.alertId);
    await escalateDueAlerts(t.svc, at(minutes(5) + 1000)); // level 2: Ben
    await drain(t, at(minutes(5) + 1000));
    await escalateDueAlerts(t.svc, at(minutes(16))); // policy ran out, nobody acknowledged
    await drain(t, at(minutes(16)));
    expect((await findAlert(env.DB, a.alertId))!.nextEscalationAt).toBeNull();
    expect((await findAlert(env.DB, b.alertId))!.heldBy).toBeNull();
    expect(await deliveries("alert_id = ?1 AND purpose = 'page'", b.alertId)).not.toHaveLength(0);
  });

  it("a digest's link acknowledges each of its open alerts, separately, for the person who tapped it", async () => {
    const t = testEnv();
    await file(t, { subject: "Mail relay refusing connections" }, at(0));
    const h1 = await file(t, { subject: "Mailing lists not delivering" }, at(5_000));
    const link = /https:\/\/status\.example-hosting\.test(\/ack\/dg_[^\s"]+)/.exec(t.mail.find((m) => m.subject.includes("DIGEST"))!.text)![1]!;
    const res = await t.svc.db.prepare("SELECT 1").first(); // keep the binding warm
    expect(res).not.toBeNull();
    const { createApp } = await import("../../functions/app");
    const post = await createApp().request(`https://status.example-hosting.test${link}`, { method: "POST", headers: { accept: "application/json" } }, t.env);
    expect(post.status).toBe(200);
    expect(((await post.json()) as { acknowledged_now: string[] }).acknowledged_now).toEqual([h1.alertId]);
    expect((await findAlert(env.DB, h1.alertId))!).toMatchObject({ state: "acknowledged", acknowledgedPersonId: "ann" });
  });
});

describe("a storm", () => {
  it("of many reports with many different subjects pages each level's people once plus at most one digest per window", async () => {
    const t = testEnv();
    const start = at(0);
    const topics = ["mail", "webmail", "dns", "ftp", "ssh", "mysql", "backups", "panel", "php", "ssl", "cron", "vps", "cdn", "imap", "smtp"];
    // 150 reports over two minutes, 5 different phrasings of 15 topics (75 distinct subjects).
    for (let i = 0; i < 150; i++) {
      const topic = topics[i % topics.length]!;
      const phrasing = ["is down", "broken since this morning", "gives errors for all customers", "not reachable at all", "fails with timeout"][Math.floor(i / topics.length) % 5]!;
      const report = await insertReport({ subject: `${topic} ${phrasing}`, createdAt: at(i * 800) });
      await handleReportReceived(t.svc, report.job, at(i * 800));
      await drain(t, at(i * 800));
    }
    // Cron ticks every minute for the first ten minutes, escalation included.
    for (let m = 1; m <= 10; m++) {
      await escalateDueAlerts(t.svc, at(minutes(m)));
      await flushDueDigests(t.svc, at(minutes(m)));
      await drain(t, at(minutes(m)));
    }
    const annPages = new Set((await pagesTo("ann", start)).map((d) => d.alert_id));
    const benPages = new Set((await pagesTo("ben", start)).map((d) => d.alert_id));
    expect(annPages.size).toBe(1); // level 1 once
    expect(benPages.size).toBe(1); // level 2 once, after the timeout
    // At most one digest per person per 5-minute window: 10 minutes -> at most 3 (0, 5, 10).
    expect(digestIds(await digestsTo("ann", start)).size).toBeLessThanOrEqual(3);
    expect(digestIds(await digestsTo("ben", start)).size).toBeLessThanOrEqual(2);
    // Every report is stored and linked to an alert.
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE created_at >= ?1 AND created_at < ?2 AND alert_id IS NULL").bind(start.toISOString(), at(minutes(3)).toISOString()).first<{ n: number }>())!;
    expect(n).toBe(0);
    const pager = [...annPages][0]!;
    await resolveAlert(t.svc, pager, { actor: "test", via: "test" }, at(minutes(11)));
  });
});

describe("the hourly page ceiling", () => {
  it("tells a person over the ceiling in the digest instead of paging, while the alert still escalates", async () => {
    const t = testEnv({ pageCeiling: 2 });
    const ops = await file(t, { subject: "Billing portal down" }, at(0));
    const db = await file(t, { subject: "Database cluster failover", componentId: "cmp_storm_db" }, at(10_000));
    expect(new Set((await pagesTo("ann", at(0))).map((d) => d.alert_id))).toEqual(new Set([ops.alertId, db.alertId]));
    const web = await file(t, { subject: "Web cluster overloaded", componentId: "cmp_storm_web" }, at(20_000));
    expect(await deliveries("alert_id = ?1 AND purpose = 'page' AND person_id = 'ann'", web.alertId)).toHaveLength(0);
    const item = await env.DB.prepare("SELECT reason FROM digest_items WHERE alert_id = ?1 AND person_id = 'ann'").bind(web.alertId).first<{ reason: string }>();
    expect(item!.reason).toBe("ceiling");
    expect((await findAlert(env.DB, web.alertId))!.nextEscalationAt).toBe(at(20_000 + minutes(5)).toISOString());
    // Ann takes the first two; the third escalates to Ben in time, as if Ann had been paged.
    await acknowledgeAlert(t.svc, ops.alertId, { actor: "Ann", via: "test", personId: "ann" }, at(60_000));
    await acknowledgeAlert(t.svc, db.alertId, { actor: "Ann", via: "test", personId: "ann" }, at(60_000));
    await escalateDueAlerts(t.svc, at(20_000 + minutes(5)));
    await drain(t, at(20_000 + minutes(5)));
    expect(await deliveries("alert_id = ?1 AND purpose = 'page' AND person_id = 'ben'", web.alertId)).toHaveLength(1);
  });
});

describe("who needs help, in the page", () => {
  it("carries the reporter's name, phone and email on personal channels and only the reference on shared ones", async () => {
    const t = testEnv();
    const reporter = { name: "Ada Lovelace", email: "ada@customer.example", phone: "+31 20 555 0199" };
    const { report, alertId } = await file(t, { subject: "Shop offline", componentId: "cmp_storm_contact", reporter }, at(0));
    const mail = t.mail.find((m) => m.to === "pia@ops.example.test")!;
    for (const v of [report.reference, reporter.name, reporter.email, reporter.phone]) expect(mail.text).toContain(v);
    const sms = (await fakeProviders.requests("twilio")).find((r) => r.body.includes(encodeURIComponent(report.reference)) || r.body.includes(report.reference))!;
    const smsBody = new URLSearchParams(sms.body).get("Body")!;
    for (const v of [report.reference, reporter.name, reporter.phone]) expect(smsBody).toContain(v);
    expect(smsBody.length).toBeLessThanOrEqual(306);
    const shared = [...(await fakeProviders.requests("slack")), ...(await fakeProviders.requests("webhook"))].filter((r) => r.body.includes(alertId));
    expect(shared).toHaveLength(2);
    for (const r of shared) {
      expect(r.body).toContain(report.reference);
      for (const v of [reporter.name, reporter.email, reporter.phone]) expect(r.body).not.toContain(v);
    }
  });
});

describe("known incidents", () => {
  it("a report that names a known incident is linked to it and told in the digest, not paged", async () => {
    const t = testEnv();
    const incidentId = await createIncident(servicesOf(), { name: `Mail delayed ${unique()}`, status: "investigating", impact: "minor", body: "Looking into it.", components: {} }, "test", at(0));
    const first = await file(t, { subject: "my mail is late", incidentId }, at(0));
    const second = await file(t, { subject: "mails not arriving", incidentId }, at(20_000));
    const alert = (await findAlert(env.DB, first.alertId))!;
    expect(second.alertId).toBe(first.alertId);
    expect(alert).toMatchObject({ state: "acknowledged", incidentId, reportCount: 2 });
    expect(await deliveries("alert_id = ?1 AND purpose = 'page'", alert.id)).toHaveLength(0);
    const items = await env.DB.prepare("SELECT person_id, reason, count FROM digest_items WHERE alert_id = ?1").bind(alert.id).all<{ person_id: string; reason: string; count: number }>();
    expect(new Set(items.results.map((i) => `${i.person_id}:${i.reason}`))).toEqual(new Set(["ann:known_incident"]));
    expect(items.results.reduce((n, i) => n + i.count, 0)).toBe(2);
    expect(digestIds(await digestsTo("ann", at(0))).size).toBe(1);
    // Someone else's unrelated problem, even with similar words, pages as usual.
    const other = await file(t, { subject: "my mail is late" }, at(40_000));
    expect(other.alertId).not.toBe(first.alertId);
    expect(await deliveries("alert_id = ?1 AND purpose = 'page'", other.alertId)).toHaveLength(3);
  });
});

describe("reporter follow-ups", () => {
  it("reach whoever acknowledged; more within the window go to their digest", async () => {
    const t = testEnv();
    const { report } = await file(t, { subject: "VPS 10.0.0.9 unreachable" }, at(0));
    const alertId = (await alertOfReport(report.id))!;
    await acknowledgeAlert(t.svc, alertId, { actor: "Ann", via: "acknowledgement link", personId: "ann" }, at(60_000));
    const stored = (await findReportById(env.DB, report.id))!;
    await addFollowUp(t.svc, stored, "It is back for a minute, then gone again.", at(120_000));
    await drain(t, at(120_000));
    const notices = await deliveries("alert_id = ?1 AND purpose = 'followup'", alertId);
    expect(new Set(notices.map((d) => d.person_id))).toEqual(new Set(["ann"]));
    expect(notices.map((d) => d.channel).sort()).toEqual(["email", "sms"]);
    const mail = t.mail.find((m) => m.text.includes("It is back for a minute"))!;
    expect(mail.to).toBe("ann@ops.example.test");
    // A second follow-up a minute later: no second notice, a digest item instead.
    await addFollowUp(t.svc, stored, "Now it is down again for good.", at(180_000));
    await drain(t, at(180_000));
    expect(await deliveries("alert_id = ?1 AND purpose = 'followup'", alertId)).toHaveLength(notices.length);
    const item = await env.DB.prepare("SELECT reason FROM digest_items WHERE alert_id = ?1 AND person_id = 'ann'").bind(alertId).first<{ reason: string }>();
    expect(item!.reason).toBe("followup");
  });

  it("are told once when the job runs twice (the inline run and the queue's safety-net copy)", async () => {
    const t = testEnv();
    const { report } = await file(t, { subject: "Reseller panel 502" }, at(0));
    const alertId = (await alertOfReport(report.id))!;
    await acknowledgeAlert(t.svc, alertId, { actor: "Ann", via: "acknowledgement link", personId: "ann" }, at(60_000));
    const stored = (await findReportById(env.DB, report.id))!;
    await addFollowUp(t.svc, stored, "Customers cannot log in at all now.", at(120_000));
    const job = t.queued.find((q) => q.body.type === "report.followup")!.body;
    await drain(t, at(120_000));
    // The same job again, as the queue's delayed copy delivers it 30 seconds later.
    t.queued.push({ body: job, delaySeconds: 0 });
    await drain(t, at(150_000));
    const notices = await deliveries("alert_id = ?1 AND purpose = 'followup'", alertId);
    expect(notices.map((d) => d.channel).sort()).toEqual(["email", "sms"]);
    expect(t.mail.filter((m) => m.text.includes("Customers cannot log in"))).toHaveLength(1);
    // Nothing in Ann's digest either: it is the same follow-up, not a second one.
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM digest_items WHERE alert_id = ?1").bind(alertId).first<{ n: number }>()).toEqual({ n: 0 });
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM alert_events WHERE alert_id = ?1 AND type = 'followup'").bind(alertId).first<{ n: number }>();
    expect(events!.n).toBe(1);
  });

  it("reach the people being paged while nobody has acknowledged", async () => {
    const t = testEnv();
    const { report } = await file(t, { subject: "Shared hosting node h7 down" }, at(0));
    const stored = (await findReportById(env.DB, report.id))!;
    await addFollowUp(t.svc, stored, "Still down, 40 sites affected.", at(30_000));
    await drain(t, at(30_000));
    const notices = await deliveries("alert_id = ?1 AND purpose = 'followup'", stored.alertId!);
    expect(new Set(notices.map((d) => d.person_id))).toEqual(new Set(["ann"]));
  });
});
