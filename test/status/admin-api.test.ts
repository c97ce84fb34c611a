// The staff write API: validation, authorisation, audit, and what each write changes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cronTasks } from "../../functions/cron/scheduled";
import { advanceMaintenances } from "../../functions/status/writes";
import { createStaffToken } from "../../functions/staff/tokens";
import { fetchWorker, postJson, servicesOf, staffHeaders } from "../helpers";
import { createIncident, createMaintenance, hoursFromNow, makeComponents, postUpdate } from "./fixtures";

async function componentStatus(id: string): Promise<string> {
  return (await env.DB.prepare("SELECT status FROM components WHERE id = ?1").bind(id).first<{ status: string }>())!.status;
}
async function changes(id: string): Promise<Array<{ from_status: string | null; to_status: string; source_type: string }>> {
  const { results } = await env.DB.prepare("SELECT from_status, to_status, source_type FROM component_status_changes WHERE component_id = ?1 ORDER BY id").bind(id).all();
  return results as never;
}

describe("POST /api/admin/incidents", () => {
  it("creates the incident, moves components, records history and the audit log", async () => {
    const { ids } = await makeComponents(1);
    const res = await postJson(
      "/api/admin/incidents",
      { name: "Mail down", status: "identified", impact: "critical", body: "Disk full.", components: { [ids[0]!]: "major_outage" } },
      staffHeaders(),
    );
    expect(res.status).toBe(201);
    const { id, incident } = (await res.json()) as { id: string; incident: { status: string; impact: string } };
    expect(id).toMatch(/^inc_[a-z0-9]{12}$/);
    expect(res.headers.get("location")).toBe(`/incidents/${id}`);
    expect(incident).toMatchObject({ status: "identified", impact: "critical" });
    expect(await componentStatus(ids[0]!)).toBe("major_outage");
    expect((await changes(ids[0]!)).at(-1)).toEqual({ from_status: "operational", to_status: "major_outage", source_type: "incident" });
    const audit = await env.DB.prepare("SELECT actor, action, detail FROM audit_log WHERE target = ?1").bind(id).first<{ actor: string; action: string; detail: string }>();
    expect(audit).toMatchObject({ actor: "staff (STAFF_TOKEN)", action: "incident.create" });
    expect(JSON.parse(audit!.detail).name).toBe("Mail down");
  });

  it.each([
    ["no name", { body: "x" }, "name"],
    ["an unknown status", { name: "x", body: "x", status: "panicking" }, "status"],
    ["an unknown impact", { name: "x", body: "x", impact: "apocalyptic" }, "impact"],
    ["an empty body", { name: "x", body: "   " }, "body"],
    ["a bad component status", { name: "x", body: "x", components: { cmp_web: "broken" } }, "components.cmp_web"],
    ["an unknown field", { name: "x", body: "x", colour: "red" }, "_"],
  ])("refuses %s with 400 naming the field", async (_name, body, field) => {
    const res = await postJson("/api/admin/incidents", body, staffHeaders());
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(err.error.code).toBe("validation_failed");
    expect(Object.keys(err.error.fields)).toContain(field);
  });

  it("refuses an unknown component and changes nothing", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents").first<{ n: number }>();
    const res = await postJson("/api/admin/incidents", { name: "x", body: "x", components: { cmp_nope: "major_outage" } }, staffHeaders());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty(["components.cmp_nope"]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents").first<{ n: number }>()).toEqual(before);
  });

  it("needs a token, and the status:write scope", async () => {
    expect((await postJson("/api/admin/incidents", { name: "x", body: "x" })).status).toBe(401);
    const { secret } = await createStaffToken(env.DB, { name: "reader", scopes: ["reports:read"], now: new Date() });
    const res = await postJson("/api/admin/incidents", { name: "x", body: "x" }, { authorization: `Bearer ${secret}` });
    expect(res.status).toBe(403);
    const { secret: writer } = await createStaffToken(env.DB, { name: "writer", scopes: ["status:write"], now: new Date() });
    expect((await postJson("/api/admin/incidents", { name: "x", body: "x" }, { authorization: `Bearer ${writer}` })).status).toBe(201);
  });

  it("wants JSON", async () => {
    const res = await fetchWorker("/api/admin/incidents", { method: "POST", headers: staffHeaders({ "content-type": "text/plain" }), body: "hi" });
    expect(res.status).toBe(415);
  });
});

describe("POST /api/admin/incidents/{id}/updates", () => {
  it("moves the incident through its statuses with their times", async () => {
    const { ids } = await makeComponents(1);
    const id = await createIncident({ name: "Slow", components: { [ids[0]!]: "partial_outage" } });
    expect((await postUpdate(id, { status: "monitoring", body: "Fix deployed.", components: { [ids[0]!]: "degraded_performance" } })).status).toBe(201);
    let row = await env.DB.prepare("SELECT status, monitoring_at, resolved_at FROM incidents WHERE id = ?1").bind(id).first<Record<string, string | null>>();
    expect(row!.status).toBe("monitoring");
    expect(row!.monitoring_at).not.toBeNull();
    expect(row!.resolved_at).toBeNull();
    const res = await postUpdate(id, { status: "resolved", body: "All good.", impact: "minor" });
    expect(res.status).toBe(201);
    row = await env.DB.prepare("SELECT status, impact, resolved_at FROM incidents WHERE id = ?1").bind(id).first();
    expect(row).toMatchObject({ status: "resolved", impact: "minor" });
    expect(row!.resolved_at).not.toBeNull();
    expect(await componentStatus(ids[0]!)).toBe("operational");
    expect((await changes(ids[0]!)).map((c) => c.to_status)).toEqual(["operational", "partial_outage", "degraded_performance", "operational"]);
  });

  it("links a postmortem", async () => {
    const id = await createIncident({ name: "Explained later" });
    expect((await postUpdate(id, { status: "postmortem", body: "We wrote it up.", postmortem_slug: "outgoing-mail-delays" })).status).toBe(201);
    const row = await env.DB.prepare("SELECT postmortem_slug FROM incidents WHERE id = ?1").bind(id).first();
    expect(row).toEqual({ postmortem_slug: "outgoing-mail-delays" });
  });

  it("answers 404 for an unknown incident", async () => {
    const res = await postUpdate("inc_nope", { status: "resolved", body: "x" });
    expect(res.status).toBe(404);
  });

  it("refuses a maintenance status on an incident", async () => {
    const id = await createIncident({ name: "Mixed" });
    const res = await postUpdate(id, { status: "in_progress", body: "x" });
    expect(res.status).toBe(400);
  });
});

describe("PATCH /api/admin/components/{id}", () => {
  it("changes the status, records it and audits it", async () => {
    const { ids } = await makeComponents(1);
    const res = await fetchWorker(`/api/admin/components/${ids[0]}`, {
      method: "PATCH",
      headers: staffHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ status: "partial_outage" }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { component: { status: string } }).component.status).toBe("partial_outage");
    expect((await changes(ids[0]!)).at(-1)).toEqual({ from_status: "operational", to_status: "partial_outage", source_type: "manual" });
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ?1").bind(ids[0]).first();
    expect(audit).toEqual({ action: "component.update" });
  });

  it("answers 404 for an unknown component and 400 for a bad status", async () => {
    const patch = (id: string, body: unknown) =>
      fetchWorker(`/api/admin/components/${id}`, { method: "PATCH", headers: staffHeaders({ "content-type": "application/json" }), body: JSON.stringify(body) });
    expect((await patch("cmp_nope", { status: "operational" })).status).toBe(404);
    const { ids } = await makeComponents(1);
    expect((await patch(ids[0]!, { status: "on_fire" })).status).toBe(400);
  });
});

describe("scheduled maintenance", () => {
  it("refuses a window that ends before it starts", async () => {
    const res = await postJson(
      "/api/admin/maintenances",
      { name: "Backwards", body: "x", scheduled_for: hoursFromNow(2), scheduled_until: hoursFromNow(1), components: [] },
      staffHeaders(),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty("scheduled_until");
  });

  it("starts and completes by itself, putting its components under maintenance meanwhile", async () => {
    const { ids } = await makeComponents(2);
    const id = await createMaintenance({ name: "Upgrade", scheduled_for: hoursFromNow(1), scheduled_until: hoursFromNow(2), components: ids });
    const status = async () => (await env.DB.prepare("SELECT status FROM incidents WHERE id = ?1").bind(id).first<{ status: string }>())!.status;
    expect(await status()).toBe("scheduled");
    expect(await componentStatus(ids[0]!)).toBe("operational");

    // A component already in trouble keeps its (worse) status.
    await fetchWorker(`/api/admin/components/${ids[1]}`, {
      method: "PATCH",
      headers: staffHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ status: "major_outage" }),
    });

    const mine = async (minutes: number) => (await advanceMaintenances(servicesOf(), new Date(Date.now() + minutes * 60_000))).filter((m) => m.id === id);
    expect(await mine(90)).toEqual([{ id, to: "in_progress" }]);
    expect(await status()).toBe("in_progress");
    expect(await componentStatus(ids[0]!)).toBe("under_maintenance");
    expect(await componentStatus(ids[1]!)).toBe("major_outage");
    // Running again at the same time changes nothing.
    expect(await mine(90)).toEqual([]);

    expect(await mine(150)).toEqual([{ id, to: "completed" }]);
    expect(await status()).toBe("completed");
    expect(await componentStatus(ids[0]!)).toBe("operational");
    expect((await changes(ids[0]!)).map((c) => [c.to_status, c.source_type])).toEqual([
      ["operational", "seed"],
      ["under_maintenance", "maintenance"],
      ["operational", "maintenance"],
    ]);
    const updates = await env.DB.prepare("SELECT status FROM incident_updates WHERE incident_id = ?1 ORDER BY created_at").bind(id).all();
    expect(updates.results.map((u) => u.status)).toEqual(["scheduled", "in_progress", "completed"]);
    const audit = await env.DB.prepare("SELECT actor, action FROM audit_log WHERE target = ?1 ORDER BY id").bind(id).all();
    expect(audit.results).toEqual([
      { actor: "staff (STAFF_TOKEN)", action: "maintenance.create" },
      { actor: "cron", action: "maintenance.in_progress" },
      { actor: "cron", action: "maintenance.completed" },
    ]);
  });

  it("a window that has already begun starts at once", async () => {
    const { ids } = await makeComponents(1);
    await createMaintenance({ name: "Now", scheduled_for: hoursFromNow(-0.1), scheduled_until: hoursFromNow(1), components: ids });
    expect(await componentStatus(ids[0]!)).toBe("under_maintenance");
  });

  it("runs on the every-minute cron", () => {
    expect(cronTasks.map((t) => t.name)).toContain("status-maintenance-clock");
  });
});

describe("maintenance moved by hand", () => {
  it("in progress puts its operational components under maintenance; completed gives them back", async () => {
    const { ids } = await makeComponents(1);
    const id = await createMaintenance({ name: "Early start", scheduled_for: hoursFromNow(5), scheduled_until: hoursFromNow(6), components: ids });
    expect((await postUpdate(id, { status: "in_progress", body: "Starting early." })).status).toBe(201);
    expect(await componentStatus(ids[0]!)).toBe("under_maintenance");
    const row = await env.DB.prepare("SELECT started_at FROM incidents WHERE id = ?1").bind(id).first<{ started_at: string }>();
    expect(Date.parse(row!.started_at)).toBeLessThanOrEqual(Date.now());
    expect((await postUpdate(id, { status: "completed", body: "Done." })).status).toBe(201);
    expect(await componentStatus(ids[0]!)).toBe("operational");
    // The clock leaves a completed maintenance alone (other tests' windows may move).
    const moved = await advanceMaintenances(servicesOf(), new Date(Date.now() + 7 * 3_600_000));
    expect(moved.map((m) => m.id)).not.toContain(id);
  });

  it("refuses an impact on a maintenance", async () => {
    const id = await createMaintenance({ name: "No impact", scheduled_for: hoursFromNow(5), scheduled_until: hoursFromNow(6), components: [] });
    expect((await postUpdate(id, { status: "verifying", body: "x", impact: "major" })).status).toBe(400);
  });
});
