// Staff writes and the maintenance clock. Each write is one D1 batch (a transaction): the
// change, the component status records that history is derived from, the audit row and the
// cache-version bump either all happen or none does.
import type { ComponentStatus, CreateIncidentInput, CreateMaintenanceInput, MaintenanceStatus, PostIncidentUpdateInput } from "../../contract/status";
import { maintenanceStatuses } from "../../contract/status";
import { ApiError } from "../platform/errors";
import { auditStatement } from "../staff/audit";
import { automaticUpdateBody, nextMaintenanceStatus } from "./maintenance";
import { bumpVersionStatement, findComponents, getIncident, listDueMaintenances, type Component, type Incident } from "./queries";

/** Short random ids like Statuspage's (12 lower-case letters and digits) with a prefix. */
export function newId(prefix: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** Looks up every component named in a write; unknown ids are a 400 naming each one. */
async function requireComponents(db: D1Database, ids: readonly string[], field: string): Promise<Map<string, Component>> {
  const found = new Map((await findComponents(db, ids)).map((c) => [c.id, c]));
  const fields: Record<string, string> = {};
  for (const id of ids) if (!found.has(id)) fields[`${field}.${id}`] = "There is no component with this id.";
  if (Object.keys(fields).length > 0) {
    throw new ApiError("validation_failed", `Unknown component: ${Object.keys(fields)[0]!.slice(field.length + 1)}.`, { fields });
  }
  return found;
}

/** Statements that move components and record each move (and, with an update, what it touched). */
function componentChangeStatements(
  db: D1Database,
  p: {
    changes: ReadonlyMap<string, ComponentStatus>;
    current: ReadonlyMap<string, Component>;
    now: string;
    source: { type: "incident" | "maintenance" | "manual"; id: string | null };
    updateId?: string;
    incidentId?: string;
  },
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (const [id, to] of p.changes) {
    const from = p.current.get(id)!.status;
    if (p.incidentId) {
      out.push(db.prepare("INSERT OR IGNORE INTO incident_components (incident_id, component_id) VALUES (?1, ?2)").bind(p.incidentId, id));
    }
    if (p.updateId) {
      out.push(
        db
          .prepare("INSERT INTO incident_update_components (update_id, component_id, old_status, new_status) VALUES (?1, ?2, ?3, ?4)")
          .bind(p.updateId, id, from, to),
      );
    }
    if (from === to) continue;
    out.push(
      db.prepare("UPDATE components SET status = ?2, updated_at = ?3 WHERE id = ?1").bind(id, to, p.now),
      db
        .prepare(
          "INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type, source_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(id, from, to, p.now, p.source.type, p.source.id),
    );
  }
  return out;
}

function insertUpdate(db: D1Database, u: { id: string; incidentId: string; status: string; body: string; now: string }): D1PreparedStatement {
  return db
    .prepare("INSERT INTO incident_updates (id, incident_id, status, body, created_at, display_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)")
    .bind(u.id, u.incidentId, u.status, u.body, u.now);
}

export async function createIncident(db: D1Database, input: CreateIncidentInput, actor: string, now: Date): Promise<string> {
  const at = now.toISOString();
  const current = await requireComponents(db, Object.keys(input.components), "components");
  const id = newId("inc_");
  const updateId = newId("upd_");
  const monitoringAt = input.status === "monitoring" ? at : null;
  const resolvedAt = input.status === "resolved" ? at : null;
  await db.batch([
    db
      .prepare(
        `INSERT INTO incidents (id, kind, name, status, impact, created_at, updated_at, started_at, monitoring_at, resolved_at)
         VALUES (?1, 'incident', ?2, ?3, ?4, ?5, ?5, ?5, ?6, ?7)`,
      )
      .bind(id, input.name, input.status, input.impact, at, monitoringAt, resolvedAt),
    insertUpdate(db, { id: updateId, incidentId: id, status: input.status, body: input.body, now: at }),
    ...componentChangeStatements(db, {
      changes: new Map(Object.entries(input.components)),
      current,
      now: at,
      source: { type: "incident", id },
      updateId,
      incidentId: id,
    }),
    auditStatement(db, { actor, action: "incident.create", target: id, detail: input, now }),
    bumpVersionStatement(db),
  ]);
  return id;
}

export async function postIncidentUpdate(
  db: D1Database,
  incidentId: string,
  input: PostIncidentUpdateInput,
  actor: string,
  now: Date,
): Promise<{ id: string; updateId: string }> {
  const incident = await getIncident(db, incidentId);
  if (!incident) throw new ApiError("not_found", `There is no incident or maintenance with id ${incidentId}.`);
  const isMaintenance = incident.kind === "maintenance";
  const allowed: readonly string[] = isMaintenance ? maintenanceStatuses : ["investigating", "identified", "monitoring", "resolved", "postmortem"];
  if (!allowed.includes(input.status)) {
    throw new ApiError("validation_failed", `A ${incident.kind} takes one of these statuses: ${allowed.join(", ")}.`, {
      fields: { status: `Use one of: ${allowed.join(", ")}.` },
    });
  }
  if (isMaintenance && input.impact) {
    throw new ApiError("validation_failed", "A maintenance has no impact to set.", { fields: { impact: "Leave this out for a maintenance." } });
  }
  const at = now.toISOString();
  const changes = new Map(Object.entries(input.components ?? {}));
  // Closing without saying what the components are now: every affected component that is
  // still not operational becomes operational (what a reader expects "resolved" to mean).
  const closing = input.status === "resolved" || input.status === "completed";
  if (closing && input.components === undefined) {
    const affected = await findComponents(db, incident.componentIds);
    for (const c of affected) if (c.status !== "operational") changes.set(c.id, "operational");
  }
  // Starting a maintenance by hand does what the clock does: its operational components go
  // under maintenance (unless the update says otherwise).
  if (isMaintenance && input.status === "in_progress" && input.components === undefined) {
    const affected = await findComponents(db, incident.componentIds);
    for (const c of affected) if (c.status === "operational") changes.set(c.id, "under_maintenance");
  }
  const current = await requireComponents(db, [...changes.keys()], "components");
  const updateId = newId("upd_");
  const resolvedNow = closing || input.status === "postmortem";
  await db.batch([
    db
      .prepare(
        `UPDATE incidents SET status = ?2, updated_at = ?3,
           impact = COALESCE(?4, impact),
           postmortem_slug = CASE WHEN ?5 = 1 THEN ?6 ELSE postmortem_slug END,
           monitoring_at = CASE WHEN ?2 IN ('monitoring','verifying') AND monitoring_at IS NULL THEN ?3 ELSE monitoring_at END,
           resolved_at = CASE WHEN ?7 = 1 THEN COALESCE(resolved_at, ?3) ELSE NULL END,
           started_at = CASE WHEN kind = 'maintenance' AND ?2 = 'in_progress' AND status = 'scheduled' THEN ?3 ELSE started_at END
         WHERE id = ?1`,
      )
      .bind(
        incidentId,
        input.status,
        at,
        input.impact ?? null,
        input.postmortem_slug === undefined ? 0 : 1,
        input.postmortem_slug ?? null,
        resolvedNow ? 1 : 0,
      ),
    insertUpdate(db, { id: updateId, incidentId, status: input.status, body: input.body, now: at }),
    ...componentChangeStatements(db, {
      changes,
      current,
      now: at,
      source: { type: incident.kind, id: incidentId },
      updateId,
      incidentId,
    }),
    auditStatement(db, { actor, action: `${incident.kind}.update`, target: incidentId, detail: input, now }),
    bumpVersionStatement(db),
  ]);
  return { id: incidentId, updateId };
}

export async function setComponentStatus(db: D1Database, id: string, status: ComponentStatus, actor: string, now: Date): Promise<void> {
  const [component] = await findComponents(db, [id]);
  if (!component) throw new ApiError("not_found", `There is no component with id ${id}.`);
  const at = now.toISOString();
  await db.batch([
    ...componentChangeStatements(db, {
      changes: new Map([[id, status]]),
      current: new Map([[id, component]]),
      now: at,
      source: { type: "manual", id: null },
    }),
    auditStatement(db, { actor, action: "component.update", target: id, detail: { from: component.status, to: status }, now }),
    bumpVersionStatement(db),
  ]);
}

export async function createMaintenance(db: D1Database, input: CreateMaintenanceInput, actor: string, now: Date): Promise<string> {
  const ids = Array.isArray(input.components) ? input.components : Object.keys(input.components);
  await requireComponents(db, ids, "components");
  const at = now.toISOString();
  const id = newId("mnt_");
  const scheduledFor = new Date(input.scheduled_for).toISOString();
  const scheduledUntil = new Date(input.scheduled_until).toISOString();
  await db.batch([
    db
      .prepare(
        `INSERT INTO incidents (id, kind, name, status, impact, scheduled_for, scheduled_until, created_at, updated_at, started_at)
         VALUES (?1, 'maintenance', ?2, 'scheduled', 'maintenance', ?3, ?4, ?5, ?5, ?3)`,
      )
      .bind(id, input.name, scheduledFor, scheduledUntil, at),
    insertUpdate(db, { id: newId("upd_"), incidentId: id, status: "scheduled", body: input.body, now: at }),
    ...ids.map((c) => db.prepare("INSERT OR IGNORE INTO incident_components (incident_id, component_id) VALUES (?1, ?2)").bind(id, c)),
    auditStatement(db, { actor, action: "maintenance.create", target: id, detail: input, now }),
    bumpVersionStatement(db),
  ]);
  // A window that has already begun starts at once rather than at the next cron tick.
  await advanceMaintenances(db, now);
  return id;
}

/**
 * The maintenance clock (cron, every minute; also right after scheduling): starts windows
 * that have begun, putting their components under maintenance, and completes windows that
 * have ended, giving components still under maintenance back as operational. Each move first
 * claims the maintenance with a conditional UPDATE, so two runs at once never move it twice.
 */
export async function advanceMaintenances(db: D1Database, now: Date): Promise<Array<{ id: string; to: MaintenanceStatus }>> {
  const at = now.toISOString();
  const moved: Array<{ id: string; to: MaintenanceStatus }> = [];
  for (const m of await listDueMaintenances(db, at)) {
    const to = nextMaintenanceStatus(
      { status: m.status as MaintenanceStatus, scheduledFor: Date.parse(m.scheduledFor ?? m.startedAt), scheduledUntil: Date.parse(m.scheduledUntil ?? at) },
      now.getTime(),
    );
    if (to !== "in_progress" && to !== "completed") continue;
    const claim = await db
      .prepare(
        `UPDATE incidents SET status = ?3, updated_at = ?4,
           started_at = CASE WHEN ?3 = 'in_progress' THEN ?4 ELSE started_at END,
           resolved_at = CASE WHEN ?3 = 'completed' THEN ?4 ELSE resolved_at END
         WHERE id = ?1 AND status = ?2`,
      )
      .bind(m.id, m.status, to, at)
      .run();
    if (claim.meta.changes !== 1) continue;
    await db.batch(maintenanceMoveStatements(db, m, to, await currentOf(db, m), now));
    moved.push({ id: m.id, to });
  }
  return moved;
}

async function currentOf(db: D1Database, m: Incident): Promise<Map<string, Component>> {
  return new Map((await findComponents(db, m.componentIds)).map((c) => [c.id, c]));
}

function maintenanceMoveStatements(
  db: D1Database,
  m: Incident,
  to: "in_progress" | "completed",
  current: Map<string, Component>,
  now: Date,
): D1PreparedStatement[] {
  const at = now.toISOString();
  const changes = new Map<string, ComponentStatus>();
  for (const c of current.values()) {
    if (to === "in_progress" && c.status === "operational") changes.set(c.id, "under_maintenance");
    if (to === "completed" && c.status === "under_maintenance") changes.set(c.id, "operational");
  }
  const updateId = newId("upd_");
  return [
    insertUpdate(db, { id: updateId, incidentId: m.id, status: to, body: automaticUpdateBody[to], now: at }),
    ...componentChangeStatements(db, { changes, current, now: at, source: { type: "maintenance", id: m.id }, updateId, incidentId: m.id }),
    auditStatement(db, { actor: "cron", action: `maintenance.${to}`, target: m.id, detail: { from: m.status, to }, now }),
    bumpVersionStatement(db),
  ];
}
