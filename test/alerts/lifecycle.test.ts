// The alert lifecycle against real D1, with a controlled clock and a captured queue: grouping
// a storm, paging level by level, repeating, stopping on acknowledge/resolve, never paging
// twice, and one provider down not stopping the others.
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { handleDeadNotification, sendNotification } from "../../functions/alerts/delivery";
import { acknowledgeAlert, escalateAlert, escalateDueAlerts, handleReportReceived, resolveAlert } from "../../functions/alerts/lifecycle";
import { findAlert, listEvents } from "../../functions/alerts/queries";
import { consumeFanout } from "../../functions/queue/consumer";
import { fakeProviders, unique } from "../helpers";
import { alertOfReport, deliveriesOf, drain, eventsOf, fakeUrl, insertReport, minutes, pushConfig, testEnv, quietOnCall } from "./helpers";

// Each test starts with nobody busy (see quietOnCall).
beforeEach(quietOnCall);

const T0 = new Date("2026-11-28T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [
      { id: "alice", name: "Alice", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "alice@ops.example.test" }, { type: "webhook", url: `${fakeUrl()}/webhook/alice` }] },
      { id: "bob", name: "Bob", timezone: "Europe/Amsterdam", contactMethods: [{ type: "sms", number: "+15005550001" }, { type: "slack", webhookUrl: `${fakeUrl()}/slack/services/T1/B1/bob` }] },
      // Dave's webhook points at a port nobody listens on: a provider that is down.
      { id: "erin", name: "Erin", timezone: "UTC", contactMethods: [{ type: "webhook", url: `${fakeUrl()}/webhook/slow/erin` }, { type: "email", address: "erin@ops.example.test" }] },
      { id: "dave", name: "Dave", timezone: "UTC", contactMethods: [{ type: "webhook", url: "http://127.0.0.1:9/down" }, { type: "email", address: "dave@ops.example.test" }] },
    ],
    policies: [
      { id: "main", levels: [{ timeoutMinutes: 5, targets: [{ person: "alice" }] }, { timeoutMinutes: 10, targets: [{ person: "bob" }] }], repeat: 1 },
      { id: "slow", levels: [{ timeoutMinutes: 5, targets: [{ person: "erin" }] }] },
      { id: "faulty", levels: [{ timeoutMinutes: 5, targets: [{ person: "dave" }] }, { timeoutMinutes: 5, targets: [{ person: "alice" }] }] },
    ],
    routing: { rules: [{ components: ["cmp_faulty"], policy: "faulty" }, { components: ["cmp_slow"], policy: "slow" }], defaultPolicy: "main" },
  }, new Date("2026-01-01T00:00:00Z"));
});

/** Files a report at `when` and runs the fan-out until the queue is quiet. */
async function file(t: ReturnType<typeof testEnv>, r: Parameters<typeof insertReport>[0], when: Date) {
  const report = await insertReport({ ...r, createdAt: when });
  await handleReportReceived(t.svc, report.job, when);
  const outcomes = await drain(t, when);
  return { report, alertId: (await alertOfReport(report.id))!, outcomes };
}

describe("alert lifecycle", () => {
  it("raises an alert that pages level 1 on every contact method at once, with the facts and an ack link", async () => {
    const t = testEnv();
    const comp = unique("cmp");
    const { alertId, outcomes } = await file(t, { subject: "All sites on web12 give 502", message: "Since 10:02 every site answers 502.", componentId: comp }, T0);
    const alert = (await findAlert(env.DB, alertId))!;
    expect(alert).toMatchObject({ state: "triggered", level: 0, round: 0, reportCount: 1, nextEscalationAt: at(minutes(5)).toISOString() });
    expect(outcomes.map((o) => o.outcome)).toEqual(["sent", "sent"]);
    expect(t.mail).toHaveLength(1);
    expect(t.mail[0]!.to).toBe("alice@ops.example.test");
    expect(t.mail[0]!.text).toContain("All sites on web12 give 502");
    expect(t.mail[0]!.text).toContain("Since 10:02 every site answers 502.");
    expect(t.mail[0]!.text).toMatch(new RegExp(`https://status\\.example-hosting\\.test/ack/${alertId}\\.alice\\.`));
    const hooks = (await fakeProviders.requests("webhook")).filter((r) => r.body.includes(alertId));
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.headers["x-outofband-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    // The escalation timer went on the queue, delayed by the level's timeout.
    expect(t.queued).toEqual([{ body: { type: "alert.escalate", alertId }, delaySeconds: 300 }]);
    expect((await eventsOf(alertId)).map((e) => e.type)).toEqual(["raised", "paged", "delivered", "delivered"]);
  });

  it("still pages, pointing at the staff console, when ACK_SIGNING_KEY is missing", async () => {
    const t = testEnv();
    t.svc.config.ackSigningKey = "";
    const { outcomes } = await file(t, { subject: "No signing key", componentId: unique("cmp") }, T0);
    expect(outcomes.map((o) => o.outcome)).toEqual(["sent", "sent"]);
    expect(t.mail[0]!.text).toContain("Ack: https://status.example-hosting.test/admin");
    const check = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = 'ack-links'").first<{ last_error: string }>();
    expect(check!.last_error).toContain("ACK_SIGNING_KEY");
  });

  it("marks the report's outbox row dispatched, and a redelivered report.received changes nothing", async () => {
    const t = testEnv();
    const report = await insertReport({ subject: "Backups failed", componentId: unique("cmp"), createdAt: T0 });
    await handleReportReceived(t.svc, report.job, T0);
    await handleReportReceived(t.svc, report.job, T0);
    const row = await env.DB.prepare("SELECT dispatched_at FROM outbox WHERE id = ?1").bind(report.job.outboxId).first<{ dispatched_at: string }>();
    expect(row!.dispatched_at).toBe(T0.toISOString());
    const alertId = (await alertOfReport(report.id))!;
    expect((await findAlert(env.DB, alertId))!.reportCount).toBe(1);
    expect(t.queued.filter((q) => q.body.type === "notification.send")).toHaveLength(2);
  });

  it("groups a storm into one alert with a count, every report linked, and pages once per level", async () => {
    const t = testEnv();
    const comp = unique("cmp");
    const first = await file(t, { subject: "Websites down", componentId: comp }, T0);
    const storm = 150;
    for (let i = 0; i < storm; i++) {
      const when = at(i * 1000);
      const r = await insertReport({ subject: i % 2 ? "my site is down" : "Websites down", componentId: comp, createdAt: when });
      await handleReportReceived(t.svc, r.job, when);
    }
    await drain(t, at(minutes(3)));
    const linked = await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE alert_id = ?1").bind(first.alertId).first<{ n: number }>();
    expect(linked!.n).toBe(storm + 1);
    const alert = (await findAlert(env.DB, first.alertId))!;
    expect(alert.reportCount).toBe(storm + 1);
    const open = await env.DB.prepare("SELECT COUNT(*) AS n FROM alerts WHERE component_id = ?1").bind(comp).first<{ n: number }>();
    expect(open!.n).toBe(1);
    // Level 1 was paged once: Alice's two methods, no more.
    expect((await deliveriesOf(first.alertId)).length).toBe(2);
    expect(t.mail).toHaveLength(1);
    // The timeline lists the first joins and keeps every later step in sight.
    await escalateAlert(t.svc, first.alertId, at(minutes(5)));
    const timeline = await listEvents(env.DB, first.alertId);
    expect(timeline.filter((e) => e.type === "report_added")).toHaveLength(20);
    expect(timeline.filter((e) => e.type === "paged")).toHaveLength(2);
  });

  it("two consumers raising an alert for the same storm at once end with one alert, paged once", async () => {
    // Run concurrently, each handler finds no open alert and raises one; the younger ones then
    // merge into the oldest before paging (in this runtime 3 of the 4 merge).
    const t = testEnv();
    const comp = unique("cmp");
    const reports = await Promise.all(Array.from({ length: 4 }, (_, i) => insertReport({ subject: `Race ${i}`, componentId: comp, createdAt: T0 })));
    await Promise.all(reports.map((r) => handleReportReceived(t.svc, r.job, T0)));
    const alerts = await env.DB.prepare("SELECT id, state, report_count FROM alerts WHERE component_id = ?1 AND state != 'merged'").bind(comp).all<{ id: string; report_count: number }>();
    expect(alerts.results).toHaveLength(1);
    const survivor = alerts.results[0]!;
    expect(survivor.report_count).toBe(4);
    for (const r of reports) expect(await alertOfReport(r.id)).toBe(survivor.id);
    await drain(t, T0);
    const paged = await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.component_id = ?1").bind(comp).first<{ n: number }>();
    expect(paged!.n).toBe(2);
    expect(t.mail).toHaveLength(1);
  });

  it("escalates at each timeout, repeats the policy, then stops: one page per level per round", async () => {
    const t = testEnv();
    const { alertId } = await file(t, { subject: "Mail queue stuck", componentId: unique("cmp") }, T0);
    expect(await escalateAlert(t.svc, alertId, at(minutes(5) - 1000))).toBe("not_due");
    expect(await escalateAlert(t.svc, alertId, at(minutes(5)))).toBe("paged");
    // The same timer firing again (a duplicate delayed message, or the sweep) pages nobody.
    expect(await escalateAlert(t.svc, alertId, at(minutes(5)))).toBe("not_due");
    await drain(t, at(minutes(5)));
    expect((await findAlert(env.DB, alertId))!).toMatchObject({ level: 1, round: 0, nextEscalationAt: at(minutes(15)).toISOString() });
    const sms = (await fakeProviders.requests("twilio")).filter((r) => r.body.includes(alertId));
    expect(sms).toHaveLength(1);
    expect(new URLSearchParams(sms[0]!.body).get("To")).toBe("+15005550001");

    await escalateDueAlerts(t.svc, at(minutes(15))); // round 2, level 1
    await escalateDueAlerts(t.svc, at(minutes(15)));
    await escalateDueAlerts(t.svc, at(minutes(20))); // round 2, level 2
    await drain(t, at(minutes(20)));
    expect(await escalateAlert(t.svc, alertId, at(minutes(30)))).toBe("exhausted");
    expect(await escalateAlert(t.svc, alertId, at(minutes(40)))).toBe("not_due");

    const pages = await env.DB.prepare("SELECT round, level, paged_at FROM alert_pages WHERE alert_id = ?1 ORDER BY round, level").bind(alertId).all();
    expect(pages.results).toEqual([
      { round: 0, level: 0, paged_at: at(0).toISOString() },
      { round: 0, level: 1, paged_at: at(minutes(5)).toISOString() },
      { round: 1, level: 0, paged_at: at(minutes(15)).toISOString() },
      { round: 1, level: 1, paged_at: at(minutes(20)).toISOString() },
    ]);
    expect((await deliveriesOf(alertId)).length).toBe(8);
    const types = (await eventsOf(alertId)).map((e) => e.type);
    expect(types.filter((x) => x === "paged")).toHaveLength(4);
    expect(types.at(-1)).toBe("exhausted");
  });

  it("stops on acknowledge: no further level, queued pages cancelled, reports acknowledged, timeline updated", async () => {
    const t = testEnv();
    const comp = unique("cmp");
    const { alertId, report } = await file(t, { subject: "VPS host down", componentId: comp }, T0);
    const second = await insertReport({ subject: "VPS unreachable", componentId: comp, createdAt: at(1000) });
    await handleReportReceived(t.svc, second.job, at(1000));
    // Level 2 is paged, but the messages have not been delivered yet when Alice acknowledges.
    await escalateAlert(t.svc, alertId, at(minutes(5)));
    const pending = t.queued.filter((q) => q.body.type === "notification.send");
    expect(pending).toHaveLength(2);
    const outcome = await acknowledgeAlert(t.svc, alertId, { actor: "Alice", via: "acknowledgement link" }, at(minutes(6)));
    expect(outcome!.changed).toBe(true);
    expect((await acknowledgeAlert(t.svc, alertId, { actor: "Bob", via: "sms reply" }, at(minutes(7))))!.changed).toBe(false);
    // Bob's pages are cancelled, not sent; Alice's webhook (a lifecycle-following channel that
    // got the page) is told of the acknowledgement.
    expect(await drain(t, at(minutes(6)))).toEqual([
      ...pending.map((p) => ({ deliveryId: (p.body as { deliveryId: string }).deliveryId, outcome: "cancelled" })),
      { deliveryId: `${alertId}:acknowledge:alice:1`, outcome: "sent" },
    ]);
    const ackHook = (await fakeProviders.requests("webhook")).filter((r) => r.body.includes(alertId) && r.body.includes('"alert.acknowledged"'));
    expect(ackHook).toHaveLength(1);
    expect(await escalateAlert(t.svc, alertId, at(minutes(60)))).toBe("closed");
    const alert = (await findAlert(env.DB, alertId))!;
    expect(alert).toMatchObject({ state: "acknowledged", acknowledgedBy: "Alice", nextEscalationAt: null });
    const reports = await env.DB.prepare("SELECT id, state, acknowledged_by FROM reports WHERE alert_id = ?1 ORDER BY id").bind(alertId).all<{ state: string; acknowledged_by: string }>();
    expect(reports.results.map((r) => [r.state, r.acknowledged_by])).toEqual([["acknowledged", "Alice"], ["acknowledged", "Alice"]]);
    const thread = await env.DB.prepare("SELECT author, body FROM report_messages WHERE report_id = ?1 ORDER BY id").bind(report.id).all();
    expect(thread.results.at(-1)).toEqual({ author: "system", body: "Acknowledged: a person is working on it." });
    const events = await eventsOf(alertId);
    expect(events.filter((e) => e.type === "acknowledged")).toEqual([{ type: "acknowledged", message: "Acknowledged by Alice (acknowledgement link)." }]);

    // Resolving closes it and its reports; a new report about the same component is a new alert.
    expect((await resolveAlert(t.svc, alertId, { actor: "Alice", via: "staff api" }, at(minutes(30))))!.changed).toBe(true);
    const states = await env.DB.prepare("SELECT DISTINCT state FROM reports WHERE alert_id = ?1").bind(alertId).all<{ state: string }>();
    expect(states.results).toEqual([{ state: "resolved" }]);
    const again = await file(t, { subject: "VPS down again", componentId: comp }, at(minutes(31)));
    expect(again.alertId).not.toBe(alertId);
  });

  it("sends a notification once even when its queue message is delivered twice, or concurrently", async () => {
    const t = testEnv();
    const report = await insertReport({ subject: "DNS not resolving", componentId: unique("cmp"), createdAt: T0 });
    await handleReportReceived(t.svc, report.job, T0);
    const ids = t.queued.filter((q) => q.body.type === "notification.send").map((q) => (q.body as { deliveryId: string }).deliveryId);
    const mailId = ids.find((id) => id.endsWith(":alice:0"))!;
    const results = await Promise.all([sendNotification(t.svc, mailId, T0), sendNotification(t.svc, mailId, T0)]);
    expect(results.sort()).toEqual(["duplicate", "sent"]);
    expect(await sendNotification(t.svc, mailId, at(minutes(10)))).toBe("duplicate");
    expect(t.mail).toHaveLength(1);

    // The same through the real consumer: one batch holding the same job twice.
    const hookId = ids.find((id) => id.endsWith(":alice:1"))!;
    const body = { type: "notification.send", deliveryId: hookId };
    const batch = createMessageBatch("outofband-fanout", [
      { id: unique("m"), timestamp: new Date(), attempts: 1, body },
      { id: unique("m"), timestamp: new Date(), attempts: 2, body },
    ]);
    await consumeFanout(batch, t.svc);
    const alertId = (await alertOfReport(report.id))!;
    expect((await fakeProviders.requests("webhook")).filter((r) => r.body.includes(alertId))).toHaveLength(1);
  });

  it("with one provider down, the others still deliver, escalation goes on, and the dead letter is recorded", async () => {
    const t = testEnv();
    const { alertId, outcomes } = await file(t, { subject: "Storage array degraded", componentId: "cmp_faulty" }, T0);
    // Dave's webhook cannot connect (retryable), his email is delivered anyway.
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["retry:backoff", "sent"]);
    expect(t.mail.map((m) => m.to)).toEqual(["dave@ops.example.test"]);
    const hookId = `${alertId}:0:0:dave:0`;
    expect((await deliveriesOf(alertId)).find((d) => d.id === hookId)).toMatchObject({ state: "retrying", attempts: 1 });
    // The retries run out: the dead-letter consumer records it; Dave was reached by email,
    // so no fallback is sent.
    await handleDeadNotification(t.svc, hookId, at(minutes(2)));
    expect((await deliveriesOf(alertId)).find((d) => d.id === hookId)).toMatchObject({ state: "failed" });
    expect(t.queued.filter((q) => q.body.type === "notification.send")).toHaveLength(0);
    // Nobody acknowledged: level 2 (Alice) is paged on time regardless.
    await escalateDueAlerts(t.svc, at(minutes(5)));
    await drain(t, at(minutes(5)));
    expect(t.mail.map((m) => m.to)).toEqual(["dave@ops.example.test", "alice@ops.example.test"]);
    const health = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = 'channel:webhook'").first<{ last_error: string }>();
    expect(health!.last_error).toMatch(/webhook: request failed/);
    const ok = await env.DB.prepare("SELECT last_verified_at FROM assurance_checks WHERE name = 'channel:email'").first<{ last_verified_at: string }>();
    expect(ok!.last_verified_at).not.toBeNull();
    await resolveAlert(t.svc, alertId, { actor: "test", via: "test" }, at(minutes(6)));
  });

  it("sends the pages of one batch side by side: a slow provider does not hold up the others", async () => {
    const t = testEnv();
    const report = await insertReport({ subject: "Slow receiver check", componentId: "cmp_slow", createdAt: T0 });
    await handleReportReceived(t.svc, report.job, T0);
    const sends = t.queued.filter((q) => q.body.type === "notification.send");
    expect(sends).toHaveLength(2);
    const batch = createMessageBatch(
      "outofband-fanout",
      sends.map((q) => ({ id: unique("m"), timestamp: new Date(), attempts: 1, body: q.body })),
    );
    const started = Date.now();
    let mailedAfter = -1;
    t.email.send.mockImplementation(async () => {
      mailedAfter = Date.now() - started;
      return { messageId: "<m@test>" };
    });
    await consumeFanout(batch, t.svc);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // the slow webhook took its time
    expect(mailedAfter).toBeGreaterThanOrEqual(0);
    expect(mailedAfter).toBeLessThan(1500); // the mail did not wait for it
    await resolveAlert(t.svc, (await alertOfReport(report.id))!, { actor: "test", via: "test" }, T0);
  });

  it("tries the person's next contact method at once when a method fails for good and nothing reached them", async () => {
    const t = testEnv({ mailFails: true });
    const { alertId } = await file(t, { subject: "Firewall cluster failover", componentId: "cmp_faulty" }, T0);
    const hookId = `${alertId}:0:0:dave:0`;
    const dlq = createMessageBatch("outofband-fanout-dlq", [{ id: unique("dead"), timestamp: new Date(), attempts: 6, body: { type: "notification.send", deliveryId: hookId } }]);
    const { consumeDeadLetters } = await import("../../functions/queue/consumer");
    await consumeDeadLetters(dlq, t.svc);
    const fallback = t.queued.find((q) => q.body.type === "notification.send");
    expect(fallback?.body).toEqual({ type: "notification.send", deliveryId: `${alertId}:0:0:dave:1:fallback-after-0` });
    expect((await eventsOf(alertId)).map((e) => e.type)).toContain("fallback");
    const dead = await env.DB.prepare("SELECT attempts FROM dead_letters WHERE message_id = ?1").bind(dlq.messages[0]!.id).first();
    expect(dead).not.toBeNull();
  });

  it("re-sends notifications whose queue message was lost (the cron's outbox sweep), once", async () => {
    const t = testEnv();
    const report = await insertReport({ subject: "Lost message check", componentId: unique("cmp"), createdAt: T0 });
    await handleReportReceived(t.svc, report.job, T0);
    const lost = t.queued.splice(0).filter((q) => q.body.type === "notification.send").map((q) => (q.body as { deliveryId: string }).deliveryId);
    expect(lost).toHaveLength(2);
    const { resendStuckDeliveries } = await import("../../functions/alerts/delivery");
    await resendStuckDeliveries(t.svc, at(30_000)); // too early: the messages may still come
    expect(t.queued).toHaveLength(0);
    // A minute after they were queued, they count as lost and go on the queue again.
    const later = at(minutes(1) + 1000);
    await resendStuckDeliveries(t.svc, later);
    const resent = t.queued.map((q) => (q.body as { deliveryId: string }).deliveryId).filter((id) => lost.includes(id));
    expect(resent.sort()).toEqual([...lost].sort());
    const outcomes = (await drain(t, later)).filter((o) => lost.includes(o.deliveryId));
    expect(outcomes.map((o) => o.outcome)).toEqual(["sent", "sent"]);
    // Sent is final: the next sweep leaves them alone, and a late original message is a duplicate.
    t.queued.length = 0;
    await resendStuckDeliveries(t.svc, at(minutes(5)));
    expect(t.queued.filter((q) => lost.includes((q.body as { deliveryId: string }).deliveryId))).toEqual([]);
    expect(await sendNotification(t.svc, lost[0]!, later)).toBe("duplicate");
  });

  it("honours a provider's Retry-After as the floor of the queue's backoff", async () => {
    const t = testEnv({ mailFails: true });
    const report = await insertReport({ subject: "Retry-After check", componentId: unique("cmp"), createdAt: T0 });
    await handleReportReceived(t.svc, report.job, T0);
    const id = t.queued.map((q) => q.body).find((b) => b.type === "notification.send" && b.deliveryId.endsWith(":alice:0"))!;
    const batch = createMessageBatch("outofband-fanout", [{ id: unique("m"), timestamp: new Date(), attempts: 1, body: id }]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    await consumeFanout(batch, t.svc);
    // The mail binding failed without a Retry-After: exponential backoff (5 s on attempt 1).
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 5 });
  });

  it("links a report intake marked as a duplicate to its original's alert and pages nobody", async () => {
    const t = testEnv();
    const comp = unique("cmp");
    const { alertId, report } = await file(t, { subject: "Panel 500 errors", componentId: comp }, T0);
    const dup = await insertReport({ subject: "Panel 500 errors", componentId: comp, duplicateOf: report.id, createdAt: at(1000) });
    await handleReportReceived(t.svc, dup.job, at(1000));
    expect(await alertOfReport(dup.id)).toBe(alertId);
    expect(t.queued.filter((q) => q.body.type === "notification.send")).toHaveLength(0);
    expect((await findAlert(env.DB, alertId))!.reportCount).toBe(2);
  });

  it("keeps different components apart and groups similar subjects without a component", async () => {
    const t = testEnv();
    const a = await file(t, { subject: "Login to control panel fails", componentId: null }, T0);
    const b = await file(t, { subject: "control panel login fails for me", componentId: null }, at(1000));
    const c = await file(t, { subject: "Invoices are wrong", componentId: null }, at(2000));
    expect(b.alertId).toBe(a.alertId);
    expect(c.alertId).not.toBe(a.alertId);
  });
});
