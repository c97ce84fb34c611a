// Staff visibility and control: a report's staff view includes its alert (with the timeline)
// and the deliveries; acknowledging a report stops its alert; the alert API lists, shows and
// resolves, with an audit row.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { findAlert } from "../../functions/alerts/queries";
import { fetchWorker, staffHeaders, unique } from "../helpers";
import { alertOfReport, drain, insertReport, pushConfig, testEnv, quietOnCall } from "./helpers";

// Each test starts with nobody busy (see quietOnCall).
beforeEach(quietOnCall);

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "sam", name: "Sam", timezone: "UTC", contactMethods: [{ type: "email", address: "sam@ops.example.test" }] }],
    policies: [{ id: "only", levels: [{ timeoutMinutes: 5, targets: [{ person: "sam" }] }, { timeoutMinutes: 5, targets: [{ person: "sam" }] }] }],
    routing: { defaultPolicy: "only" },
  }, new Date("2026-01-01T00:00:00Z"));
});

async function raise() {
  const t = testEnv();
  const r = await insertReport({ subject: "Object storage errors", componentId: unique("cmp") });
  await handleReportReceived(t.svc, r.job, new Date());
  await drain(t, new Date());
  return { ...r, alertId: (await alertOfReport(r.id))! };
}

describe("staff view of alerts", () => {
  it("GET /api/admin/reports/{reference} includes the alert, its timeline and deliveries", async () => {
    const { reference, alertId } = await raise();
    const res = await fetchWorker(`/api/admin/reports/${reference}`, { headers: staffHeaders() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { alert: { id: string; state: string; events: Array<{ type: string }> }; deliveries: Array<Record<string, unknown>> };
    expect(body.alert).toMatchObject({ id: alertId, state: "triggered", report_count: 1, level: 1 });
    expect(body.alert.events.map((e) => e.type)).toEqual(["raised", "paged", "delivered"]);
    expect(body.deliveries).toHaveLength(1);
    expect(body.deliveries[0]).toMatchObject({ channel: "email", target: "sam@ops.example.test", state: "sent", person: "Sam", attempts: 1 });
  });

  it("acknowledging the report stops its alert's escalation", async () => {
    const { reference, alertId } = await raise();
    const res = await fetchWorker(`/api/admin/reports/${reference}/ack`, { method: "POST", headers: staffHeaders() });
    expect(res.status).toBe(200);
    expect((await findAlert(env.DB, alertId))!).toMatchObject({ state: "acknowledged", nextEscalationAt: null });
  });

  it("the alert API lists, shows and resolves (audited)", async () => {
    const { alertId } = await raise();
    const list = (await (await fetchWorker("/api/admin/alerts?state=triggered", { headers: staffHeaders() })).json()) as { alerts: Array<{ id: string }> };
    expect(list.alerts.map((a) => a.id)).toContain(alertId);
    const one = await fetchWorker(`/api/admin/alerts/${alertId}`, { headers: staffHeaders() });
    expect(((await one.json()) as { alert: { deliveries: unknown[] } }).alert.deliveries).toHaveLength(1);
    const resolved = await fetchWorker(`/api/admin/alerts/${alertId}/resolve`, { method: "POST", headers: staffHeaders() });
    expect(await resolved.json()).toMatchObject({ changed: true, alert: { id: alertId, state: "resolved" } });
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ?1").bind(alertId).first<{ action: string }>();
    expect(audit!.action).toBe("alert.resolve");
    expect((await fetchWorker("/api/admin/alerts/al_nope", { headers: staffHeaders() })).status).toBe(404);
    expect((await fetchWorker("/api/admin/alerts?state=bogus", { headers: staffHeaders() })).status).toBe(400);
    expect((await fetchWorker(`/api/admin/alerts/${alertId}`)).status).toBe(401);
  });
});
