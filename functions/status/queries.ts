// Storage of the status model: small queries taking the binding first, rows mapped to domain
// types. Reads that a page needs together go in one D1 batch (one round trip); writes are
// statements that writes.ts puts into one batch with the audit row and the version bump.
import type { ComponentStatus, Impact, IncidentStatus, MaintenanceStatus } from "../../contract/status";
import type { AffectedComponent, Component, ComponentGroup, CurrentStatus, Incident } from "./model.pure";

export const UNRESOLVED_INCIDENT = "('investigating','identified','monitoring')";
export const OPEN_MAINTENANCE = "('scheduled','in_progress','verifying')";

interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  position: number;
  created_at: string;
  updated_at: string;
}
interface ComponentRow {
  id: string;
  group_id: string | null;
  name: string;
  description: string | null;
  status: ComponentStatus;
  position: number;
  showcase: number;
  only_show_if_degraded: number;
  start_date: string | null;
  created_at: string;
  updated_at: string;
}
interface IncidentRow {
  id: string;
  kind: "incident" | "maintenance";
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  impact: Impact;
  postmortem_slug: string | null;
  scheduled_for: string | null;
  scheduled_until: string | null;
  created_at: string;
  updated_at: string;
  started_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
}
interface UpdateRow {
  id: string;
  incident_id: string;
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  created_at: string;
  display_at: string;
  updated_at: string;
}

const toGroup = (r: GroupRow): ComponentGroup => ({
  id: r.id,
  name: r.name,
  description: r.description,
  position: r.position,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toComponent = (r: ComponentRow): Component => ({
  id: r.id,
  groupId: r.group_id,
  name: r.name,
  description: r.description,
  status: r.status,
  position: r.position,
  showcase: r.showcase === 1,
  onlyShowIfDegraded: r.only_show_if_degraded === 1,
  startDate: r.start_date,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toIncident = (r: IncidentRow): Incident => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  status: r.status,
  impact: r.impact,
  postmortemSlug: r.postmortem_slug,
  scheduledFor: r.scheduled_for,
  scheduledUntil: r.scheduled_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  monitoringAt: r.monitoring_at,
  resolvedAt: r.resolved_at,
  updates: [],
  componentIds: [],
});

const GROUPS_SQL = "SELECT * FROM component_groups ORDER BY position, name";
const COMPONENTS_SQL = "SELECT * FROM components ORDER BY position, name";
const UPDATED_AT_SQL =
  "SELECT MAX(t) AS t FROM (SELECT MAX(updated_at) AS t FROM components UNION ALL SELECT MAX(updated_at) FROM incidents UNION ALL SELECT MAX(updated_at) FROM component_groups)";


/** What the home page, summary.json and status.json need, in two round trips. */
export async function loadCurrentStatus(db: D1Database, opts: { changesSince?: string } = {}): Promise<CurrentStatus> {
  const statements = [
    db.prepare(GROUPS_SQL),
    db.prepare(COMPONENTS_SQL),
    db.prepare(
      `SELECT * FROM incidents WHERE (kind = 'incident' AND status IN ${UNRESOLVED_INCIDENT}) OR (kind = 'maintenance' AND status IN ${OPEN_MAINTENANCE}) ORDER BY COALESCE(scheduled_for, started_at) DESC, created_at DESC`,
    ),
    db.prepare(UPDATED_AT_SQL),
  ];
  if (opts.changesSince) {
    statements.push(
      db
        .prepare(
          `SELECT component_id, to_status, changed_at FROM component_status_changes WHERE changed_at >= ?1
           UNION ALL
           SELECT component_id, to_status, MAX(changed_at) FROM component_status_changes WHERE changed_at < ?1 GROUP BY component_id`,
        )
        .bind(opts.changesSince),
    );
  }
  const [groups, components, incidents, updated, changes] = await db.batch(statements);
  const open = (incidents!.results as unknown as IncidentRow[]).map(toIncident);
  await attachDetails(db, open);
  return {
    groups: (groups!.results as unknown as GroupRow[]).map(toGroup),
    components: (components!.results as unknown as ComponentRow[]).map(toComponent),
    open,
    updatedAt: (updated!.results[0] as { t: string | null } | undefined)?.t ?? null,
    changes: changes
      ? (changes.results as { component_id: string; to_status: ComponentStatus; changed_at: string }[]).map((r) => ({
          componentId: r.component_id,
          toStatus: r.to_status,
          changedAt: r.changed_at,
        }))
      : [],
  };
}

export async function loadComponents(db: D1Database): Promise<{ groups: ComponentGroup[]; components: Component[]; updatedAt: string | null }> {
  const [groups, components, updated] = await db.batch([db.prepare(GROUPS_SQL), db.prepare(COMPONENTS_SQL), db.prepare(UPDATED_AT_SQL)]);
  return {
    groups: (groups!.results as unknown as GroupRow[]).map(toGroup),
    components: (components!.results as unknown as ComponentRow[]).map(toComponent),
    updatedAt: (updated!.results[0] as { t: string | null } | undefined)?.t ?? null,
  };
}

/** Incidents or maintenances, newest first, with their updates. */
export async function listIncidents(
  db: D1Database,
  filter: { kind: "incident" | "maintenance"; statuses?: readonly string[]; from?: string; before?: string; limit: number },
): Promise<Incident[]> {
  const where = ["kind = ?1"];
  const binds: unknown[] = [filter.kind];
  if (filter.statuses) {
    binds.push(JSON.stringify(filter.statuses));
    where.push(`status IN (SELECT value FROM json_each(?${binds.length}))`);
  }
  // Maintenances sort by their window, incidents by when they started.
  const when = filter.kind === "maintenance" ? "COALESCE(scheduled_for, started_at)" : "started_at";
  if (filter.from) {
    binds.push(filter.from);
    where.push(`${when} >= ?${binds.length}`);
  }
  if (filter.before) {
    binds.push(filter.before);
    where.push(`${when} < ?${binds.length}`);
  }
  binds.push(filter.limit);
  const { results } = await db
    .prepare(`SELECT * FROM incidents WHERE ${where.join(" AND ")} ORDER BY ${when} DESC, created_at DESC LIMIT ?${binds.length}`)
    .bind(...binds)
    .all<IncidentRow>();
  const incidents = results.map(toIncident);
  await attachDetails(db, incidents);
  return incidents;
}

/** Incidents and maintenances whose time falls in [from, before), newest first: the history. */
export async function listHistory(db: D1Database, range: { from: string; before: string; limit: number }): Promise<Incident[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM incidents WHERE COALESCE(scheduled_for, started_at) >= ?1 AND COALESCE(scheduled_for, started_at) < ?2
       ORDER BY COALESCE(scheduled_for, started_at) DESC, created_at DESC LIMIT ?3`,
    )
    .bind(range.from, range.before, range.limit)
    .all<IncidentRow>();
  const incidents = results.map(toIncident);
  await attachDetails(db, incidents);
  return incidents;
}

/** True when anything happened before `before` (so history has an older page). */
export async function hasHistoryBefore(db: D1Database, before: string): Promise<boolean> {
  const row = await db.prepare("SELECT 1 AS x FROM incidents WHERE COALESCE(scheduled_for, started_at) < ?1 LIMIT 1").bind(before).first();
  return row !== null;
}

export async function getIncident(db: D1Database, id: string): Promise<Incident | null> {
  const row = await db.prepare("SELECT * FROM incidents WHERE id = ?1").bind(id).first<IncidentRow>();
  if (!row) return null;
  const incident = toIncident(row);
  await attachDetails(db, [incident]);
  return incident;
}

/** Fills in updates (with affected components) and affected components, in one batch. */
async function attachDetails(db: D1Database, incidents: Incident[]): Promise<void> {
  if (incidents.length === 0) return;
  const ids = JSON.stringify(incidents.map((i) => i.id));
  const [updates, affected, linked] = await db.batch([
    db
      .prepare("SELECT * FROM incident_updates WHERE incident_id IN (SELECT value FROM json_each(?1)) ORDER BY display_at DESC, created_at DESC")
      .bind(ids),
    db
      .prepare(
        `SELECT iuc.update_id, iuc.component_id, iuc.old_status, iuc.new_status, c.name
         FROM incident_update_components iuc JOIN incident_updates iu ON iu.id = iuc.update_id JOIN components c ON c.id = iuc.component_id
         WHERE iu.incident_id IN (SELECT value FROM json_each(?1)) ORDER BY c.position`,
      )
      .bind(ids),
    db
      .prepare(
        `SELECT ic.incident_id, ic.component_id FROM incident_components ic JOIN components c ON c.id = ic.component_id
         WHERE ic.incident_id IN (SELECT value FROM json_each(?1)) ORDER BY c.position`,
      )
      .bind(ids),
  ]);
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const affectedByUpdate = new Map<string, AffectedComponent[]>();
  for (const r of affected!.results as { update_id: string; component_id: string; old_status: ComponentStatus; new_status: ComponentStatus; name: string }[]) {
    const list = affectedByUpdate.get(r.update_id) ?? [];
    list.push({ componentId: r.component_id, name: r.name, oldStatus: r.old_status, newStatus: r.new_status });
    affectedByUpdate.set(r.update_id, list);
  }
  for (const r of updates!.results as unknown as UpdateRow[]) {
    byId.get(r.incident_id)?.updates.push({
      id: r.id,
      incidentId: r.incident_id,
      status: r.status,
      body: r.body,
      createdAt: r.created_at,
      displayAt: r.display_at,
      updatedAt: r.updated_at,
      affected: affectedByUpdate.get(r.id) ?? [],
    });
  }
  for (const r of linked!.results as { incident_id: string; component_id: string }[]) byId.get(r.incident_id)?.componentIds.push(r.component_id);
}

/** The cache version: bumped by every write that changes what readers see. */
export async function readVersion(db: D1Database): Promise<string> {
  const row = await db.prepare("SELECT value FROM status_meta WHERE key = 'version'").first<{ value: string }>();
  return row?.value ?? "0";
}

export function bumpVersionStatement(db: D1Database): D1PreparedStatement {
  return db.prepare(
    "INSERT INTO status_meta (key, value) VALUES ('version', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
  );
}

export async function findComponents(db: D1Database, ids: readonly string[]): Promise<Component[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare("SELECT * FROM components WHERE id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<ComponentRow>();
  return results.map(toComponent);
}

/** Maintenances the clock may have to move at `nowIso`. */
export async function listDueMaintenances(db: D1Database, nowIso: string): Promise<Incident[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM incidents WHERE kind = 'maintenance' AND status IN ${OPEN_MAINTENANCE}
       AND ((status = 'scheduled' AND scheduled_for <= ?1) OR scheduled_until <= ?1)`,
    )
    .bind(nowIso)
    .all<IncidentRow>();
  const incidents = results.map(toIncident);
  await attachDetails(db, incidents);
  return incidents;
}

// ---------- writes: statements for one batch (writes.ts composes them) ----------

export function insertIncidentStatement(
  db: D1Database,
  i: { id: string; name: string; status: IncidentStatus; impact: Impact; at: string; monitoringAt: string | null; resolvedAt: string | null },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO incidents (id, kind, name, status, impact, created_at, updated_at, started_at, monitoring_at, resolved_at)
       VALUES (?1, 'incident', ?2, ?3, ?4, ?5, ?5, ?5, ?6, ?7)`,
    )
    .bind(i.id, i.name, i.status, i.impact, i.at, i.monitoringAt, i.resolvedAt);
}

export function insertMaintenanceStatement(
  db: D1Database,
  m: { id: string; name: string; scheduledFor: string; scheduledUntil: string; at: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO incidents (id, kind, name, status, impact, scheduled_for, scheduled_until, created_at, updated_at, started_at)
       VALUES (?1, 'maintenance', ?2, 'scheduled', 'maintenance', ?3, ?4, ?5, ?5, ?3)`,
    )
    .bind(m.id, m.name, m.scheduledFor, m.scheduledUntil, m.at);
}

/** An update's effect on its incident: status, impact, postmortem and the milestone times. */
export function updateIncidentStatement(
  db: D1Database,
  u: { id: string; status: string; at: string; impact: Impact | null; postmortemSlug: string | null | undefined; resolved: boolean },
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE incidents SET status = ?2, updated_at = ?3,
         impact = COALESCE(?4, impact),
         postmortem_slug = CASE WHEN ?5 = 1 THEN ?6 ELSE postmortem_slug END,
         monitoring_at = CASE WHEN ?2 IN ('monitoring','verifying') AND monitoring_at IS NULL THEN ?3 ELSE monitoring_at END,
         resolved_at = CASE WHEN ?7 = 1 THEN COALESCE(resolved_at, ?3) ELSE NULL END,
         started_at = CASE WHEN kind = 'maintenance' AND ?2 = 'in_progress' AND status = 'scheduled' THEN ?3 ELSE started_at END
       WHERE id = ?1`,
    )
    .bind(u.id, u.status, u.at, u.impact, u.postmortemSlug === undefined ? 0 : 1, u.postmortemSlug ?? null, u.resolved ? 1 : 0);
}

/**
 * Moves a maintenance from `from` to `to` only if it is still at `from`: the claim that keeps
 * two clock runs at once from moving it twice. True when this caller won.
 */
export async function claimMaintenanceMove(db: D1Database, m: { id: string; from: string; to: "in_progress" | "completed"; at: string }): Promise<boolean> {
  const claim = await db
    .prepare(
      `UPDATE incidents SET status = ?3, updated_at = ?4,
         started_at = CASE WHEN ?3 = 'in_progress' THEN ?4 ELSE started_at END,
         resolved_at = CASE WHEN ?3 = 'completed' THEN ?4 ELSE resolved_at END
       WHERE id = ?1 AND status = ?2`,
    )
    .bind(m.id, m.from, m.to, m.at)
    .run();
  return claim.meta.changes === 1;
}

export function insertUpdateStatement(db: D1Database, u: { id: string; incidentId: string; status: string; body: string; now: string }): D1PreparedStatement {
  return db
    .prepare("INSERT INTO incident_updates (id, incident_id, status, body, created_at, display_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)")
    .bind(u.id, u.incidentId, u.status, u.body, u.now);
}

/** Links a component to an incident (once: the link is the incident's list of affected components). */
export function linkComponentStatement(db: D1Database, incidentId: string, componentId: string): D1PreparedStatement {
  return db.prepare("INSERT OR IGNORE INTO incident_components (incident_id, component_id) VALUES (?1, ?2)").bind(incidentId, componentId);
}

/** What an update did to one component (shown with the update). */
export function insertUpdateComponentStatement(
  db: D1Database,
  c: { updateId: string; componentId: string; from: ComponentStatus; to: ComponentStatus },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO incident_update_components (update_id, component_id, old_status, new_status) VALUES (?1, ?2, ?3, ?4)")
    .bind(c.updateId, c.componentId, c.from, c.to);
}

export function setComponentStatusStatement(db: D1Database, id: string, status: ComponentStatus, at: string): D1PreparedStatement {
  return db.prepare("UPDATE components SET status = ?2, updated_at = ?3 WHERE id = ?1").bind(id, status, at);
}

/** One row of the history that daily bars and uptime are derived from. */
export function insertStatusChangeStatement(
  db: D1Database,
  c: { componentId: string; from: ComponentStatus; to: ComponentStatus; at: string; source: { type: "incident" | "maintenance" | "manual"; id: string | null } },
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type, source_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(c.componentId, c.from, c.to, c.at, c.source.type, c.source.id);
}

// ---------- status.published: the event outbox of every write ----------

export interface StatusEventRow {
  id: string;
  payload: string;
  attempts: number;
  last_attempt_at: string | null;
}

/** The event of a write, in the write's own batch (attempts = 1: the write sends it at once). */
export function insertStatusEventStatement(
  db: D1Database,
  e: { id: string; kind: string; incidentId: string | null; updateId: string | null; payload: string; at: string },
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO status_events (id, kind, incident_id, update_id, payload, created_at, attempts, last_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?6)",
    )
    .bind(e.id, e.kind, e.incidentId, e.updateId, e.payload, e.at);
}

/** What staff chose to tell with each of an incident's updates, as its status.published event
 * carried it (updates without an event, imported history, are absent). */
export async function publishedChoicesOf(db: D1Database, incidentId: string): Promise<Map<string, { subscribers: boolean; social: boolean; actor: string }>> {
  const { results } = await db
    .prepare("SELECT update_id, payload FROM status_events WHERE incident_id = ?1 AND update_id IS NOT NULL")
    .bind(incidentId)
    .all<{ update_id: string; payload: string }>();
  const choices = new Map<string, { subscribers: boolean; social: boolean; actor: string }>();
  for (const r of results) {
    let payload: { notify?: { subscribers?: unknown; social?: unknown }; actor?: unknown } = {};
    try {
      payload = JSON.parse(r.payload) as typeof payload;
    } catch {
      continue;
    }
    choices.set(r.update_id, {
      subscribers: payload.notify?.subscribers !== false,
      social: payload.notify?.social !== false,
      actor: typeof payload.actor === "string" ? payload.actor : "",
    });
  }
  return choices;
}

/** Events no consumer run has finished, whose last send is older than `before`, oldest first. */
export async function listUndispatchedStatusEvents(db: D1Database, before: string, limit: number): Promise<StatusEventRow[]> {
  const { results } = await db
    .prepare(
      "SELECT id, payload, attempts, last_attempt_at FROM status_events WHERE dispatched_at IS NULL AND (last_attempt_at IS NULL OR last_attempt_at < ?1) ORDER BY last_attempt_at LIMIT ?2",
    )
    .bind(before, limit)
    .all<StatusEventRow>();
  return results;
}

export async function recordStatusEventAttempt(db: D1Database, id: string, now: string, error: string | null): Promise<void> {
  await db.prepare("UPDATE status_events SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3 WHERE id = ?1").bind(id, now, error).run();
}

export async function recordStatusEventError(db: D1Database, id: string, error: string): Promise<void> {
  await db.prepare("UPDATE status_events SET last_error = ?2 WHERE id = ?1").bind(id, error.slice(0, 500)).run();
}

/** The consumers that have finished with an event. */
export async function statusEventConsumersDone(db: D1Database, eventId: string): Promise<Set<string>> {
  const { results } = await db.prepare("SELECT consumer FROM status_event_consumers WHERE event_id = ?1").bind(eventId).all<{ consumer: string }>();
  return new Set(results.map((r) => r.consumer));
}

export async function markStatusEventConsumed(db: D1Database, eventId: string, consumer: string, now: string): Promise<void> {
  await db.prepare("INSERT OR IGNORE INTO status_event_consumers (event_id, consumer, done_at) VALUES (?1, ?2, ?3)").bind(eventId, consumer, now).run();
}

export async function markStatusEventDispatched(db: D1Database, eventId: string, now: string): Promise<void> {
  await db.prepare("UPDATE status_events SET dispatched_at = ?2, last_error = NULL WHERE id = ?1 AND dispatched_at IS NULL").bind(eventId, now).run();
}

export async function countStuckStatusEvents(db: D1Database, minAttempts: number): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM status_events WHERE dispatched_at IS NULL AND attempts >= ?1").bind(minAttempts).first<{ n: number }>();
  return row?.n ?? 0;
}

/** An event's stored job (for consumers that fan out into jobs of their own). */
export async function findStatusEventPayload(db: D1Database, id: string): Promise<string | null> {
  const row = await db.prepare("SELECT payload FROM status_events WHERE id = ?1").bind(id).first<{ payload: string }>();
  return row?.payload ?? null;
}

// ---------- bulk import (functions/imports): whole lists per statement, for one batch ----------

/** The ids the table holds that are one of `bases` or a base with a suffix (`base-2`, `base-3` ...). */
export async function existingStatusIds(db: D1Database, table: "component_groups" | "components", bases: readonly string[]): Promise<Set<string>> {
  if (bases.length === 0) return new Set();
  // [base + "-", base + ".") is every id that starts with base + "-" ("." sorts right after "-").
  const { results } = await db
    .prepare(`SELECT id FROM ${table} t WHERE EXISTS (SELECT 1 FROM json_each(?1) b WHERE t.id = b.value OR (t.id >= b.value || '-' AND t.id < b.value || '.'))`)
    .bind(JSON.stringify(bases))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

export interface ImportedGroupRow {
  id: string;
  name: string;
  description: string | null;
  position: number;
  at: string;
}
export function importGroupsStatement(db: D1Database, rows: readonly ImportedGroupRow[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO component_groups (id, name, description, position, created_at, updated_at)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.description'), json_extract(value, '$.position'),
              json_extract(value, '$.at'), json_extract(value, '$.at') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows));
}

export interface ImportedComponentRow {
  id: string;
  groupId: string | null;
  name: string;
  description: string | null;
  status: ComponentStatus;
  position: number;
  showcase: boolean;
  onlyShowIfDegraded: boolean;
  startDate: string | null;
  at: string;
}
export function importComponentsStatement(db: D1Database, rows: readonly ImportedComponentRow[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO components (id, group_id, name, description, status, position, showcase, only_show_if_degraded, start_date, created_at, updated_at)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.groupId'), json_extract(value, '$.name'), json_extract(value, '$.description'),
              json_extract(value, '$.status'), json_extract(value, '$.position'), json_extract(value, '$.showcase'), json_extract(value, '$.onlyShowIfDegraded'),
              json_extract(value, '$.startDate'), json_extract(value, '$.at'), json_extract(value, '$.at') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows.map((r) => ({ ...r, showcase: r.showcase ? 1 : 0, onlyShowIfDegraded: r.onlyShowIfDegraded ? 1 : 0 }))));
}

export interface ImportedIncidentRow {
  id: string;
  kind: "incident" | "maintenance";
  name: string;
  status: string;
  impact: Impact;
  scheduledFor: string | null;
  scheduledUntil: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string;
  monitoringAt: string | null;
  resolvedAt: string | null;
}
export function importIncidentsStatement(db: D1Database, rows: readonly ImportedIncidentRow[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO incidents (id, kind, name, status, impact, scheduled_for, scheduled_until, created_at, updated_at, started_at, monitoring_at, resolved_at)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.kind'), json_extract(value, '$.name'), json_extract(value, '$.status'), json_extract(value, '$.impact'),
              json_extract(value, '$.scheduledFor'), json_extract(value, '$.scheduledUntil'), json_extract(value, '$.createdAt'), json_extract(value, '$.updatedAt'),
              json_extract(value, '$.startedAt'), json_extract(value, '$.monitoringAt'), json_extract(value, '$.resolvedAt') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows));
}

/** An incident imported before whose source has moved on: its status and times as the source has them now. */
export function refreshImportedIncidentsStatement(db: D1Database, rows: readonly ImportedIncidentRow[]): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE incidents SET
         status = (SELECT json_extract(value, '$.status') FROM json_each(?1) WHERE json_extract(value, '$.id') = incidents.id),
         impact = (SELECT json_extract(value, '$.impact') FROM json_each(?1) WHERE json_extract(value, '$.id') = incidents.id),
         updated_at = (SELECT json_extract(value, '$.updatedAt') FROM json_each(?1) WHERE json_extract(value, '$.id') = incidents.id),
         monitoring_at = (SELECT json_extract(value, '$.monitoringAt') FROM json_each(?1) WHERE json_extract(value, '$.id') = incidents.id),
         resolved_at = (SELECT json_extract(value, '$.resolvedAt') FROM json_each(?1) WHERE json_extract(value, '$.id') = incidents.id)
       WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?1))`,
    )
    .bind(JSON.stringify(rows));
}

export interface ImportedUpdateRow {
  id: string;
  incidentId: string;
  status: string;
  body: string;
  createdAt: string;
  displayAt: string;
}
export function importUpdatesStatement(db: D1Database, rows: readonly ImportedUpdateRow[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO incident_updates (id, incident_id, status, body, created_at, display_at, updated_at)
       SELECT json_extract(value, '$.id'), json_extract(value, '$.incidentId'), json_extract(value, '$.status'), json_extract(value, '$.body'),
              json_extract(value, '$.createdAt'), json_extract(value, '$.displayAt'), json_extract(value, '$.createdAt') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows));
}

export function importIncidentComponentsStatement(db: D1Database, links: ReadonlyArray<{ incidentId: string; componentId: string }>): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO incident_components (incident_id, component_id)
       SELECT json_extract(value, '$.incidentId'), json_extract(value, '$.componentId') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(links));
}

export function importUpdateComponentsStatement(
  db: D1Database,
  rows: ReadonlyArray<{ updateId: string; componentId: string; from: ComponentStatus; to: ComponentStatus }>,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO incident_update_components (update_id, component_id, old_status, new_status)
       SELECT json_extract(value, '$.updateId'), json_extract(value, '$.componentId'), json_extract(value, '$.from'), json_extract(value, '$.to') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows));
}

/** History rows (uptime is derived from them) for imported components and updates. */
export function importStatusChangesStatement(
  db: D1Database,
  rows: ReadonlyArray<{ componentId: string; from: ComponentStatus | null; to: ComponentStatus; at: string; sourceType: string; sourceId: string | null }>,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type, source_id)
       SELECT json_extract(value, '$.componentId'), json_extract(value, '$.from'), json_extract(value, '$.to'), json_extract(value, '$.at'),
              json_extract(value, '$.sourceType'), json_extract(value, '$.sourceId') FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows));
}

// ---- response times of monitored components (monitor_hourly, functions/monitors' roll-up)

/**
 * Hourly latency of each component's monitor since `since`: the first monitor in the active
 * monitors document that names the component. A narrow read of the monitors' tables (status
 * sits below monitors and may not import it); the 90-day series comes as daily sums.
 */
export async function loadResponseTimes(
  db: D1Database,
  now: Date,
): Promise<Map<string, Array<{ hour: string; count: number; sumMs: number }>>> {
  const links = `WITH links AS (
      SELECT json_extract(m.value, '$.component') AS component_id, json_extract(m.value, '$.id') AS monitor_id, CAST(m.key AS INTEGER) AS pos
      FROM (SELECT document FROM monitor_configs ORDER BY version DESC LIMIT 1) AS doc, json_each(doc.document, '$.monitors') AS m
      WHERE json_extract(m.value, '$.component') IS NOT NULL),
    firsts AS (SELECT component_id, monitor_id FROM links l WHERE pos = (SELECT MIN(pos) FROM links l2 WHERE l2.component_id = l.component_id))`;
  const dayAgo = new Date(now.getTime() - 25 * 3_600_000).toISOString();
  const quarterAgo = new Date(now.getTime() - 91 * 86_400_000).toISOString();
  type Row = { component_id: string; hour: string; n: number; sum_ms: number };
  const [hourly, daily] = await db.batch<Row>([
    db
      .prepare(`${links} SELECT f.component_id, h.hour, h.latency_count AS n, h.latency_sum_ms AS sum_ms FROM firsts f JOIN monitor_hourly h ON h.monitor_id = f.monitor_id WHERE h.hour >= ?1 ORDER BY h.hour`)
      .bind(dayAgo),
    db
      .prepare(
        `${links} SELECT f.component_id, substr(h.hour, 1, 10) || 'T00:00:00.000Z' AS hour, SUM(h.latency_count) AS n, SUM(h.latency_sum_ms) AS sum_ms
         FROM firsts f JOIN monitor_hourly h ON h.monitor_id = f.monitor_id WHERE h.hour >= ?1 AND h.hour < ?2
         GROUP BY f.component_id, substr(h.hour, 1, 10) ORDER BY hour`,
      )
      .bind(quarterAgo, dayAgo),
  ]);
  const out = new Map<string, Array<{ hour: string; count: number; sumMs: number }>>();
  // Older days as daily sums, the last 25 hours as hours: each hour is counted once.
  for (const r of [...(daily?.results ?? []), ...(hourly?.results ?? [])]) {
    const list = out.get(r.component_id) ?? [];
    list.push({ hour: r.hour, count: r.n, sumMs: r.sum_ms });
    out.set(r.component_id, list);
  }
  return out;
}

// ---- reports as a signal (migrations/0016_assurance_watch.sql)

/**
 * What the page needs to say "we are receiving reports of problems with ...": reports per
 * component since `since` (duplicates left out, each reporter counted once), the components
 * opted in, and staff's taps still in force. Reports are read narrowly (no import of reports/).
 */
export async function loadReportSignalData(db: D1Database, since: Date, now: Date) {
  const [counts, opted, shown] = await db.batch([
    db
      .prepare(
        `SELECT component_id, COUNT(DISTINCT COALESCE(reporter_email, reporter_phone, id)) AS n FROM reports
         WHERE created_at >= ?1 AND component_id IS NOT NULL AND duplicate_of IS NULL AND synthetic = 0 GROUP BY component_id`,
      )
      .bind(since.toISOString()),
    db.prepare("SELECT component_id FROM report_signal_settings WHERE opted_in = 1"),
    db.prepare("SELECT subject_key, label, until FROM report_signal_shown WHERE until > ?1 ORDER BY shown_at").bind(now.toISOString()),
  ]);
  return {
    counts: ((counts?.results ?? []) as Array<{ component_id: string; n: number }>).map((r) => ({ componentId: r.component_id, count: r.n })),
    optedIn: new Set(((opted?.results ?? []) as Array<{ component_id: string }>).map((r) => r.component_id)),
    shown: ((shown?.results ?? []) as Array<{ subject_key: string; label: string; until: string }>).map((r) => ({ subjectKey: r.subject_key, label: r.label, until: r.until })),
  };
}

/** Each change to what the page says bumps the status version: the cached page goes at once. */
export async function setReportSignalOptIn(db: D1Database, componentId: string, optedIn: boolean, now: Date): Promise<void> {
  await db.batch([
    db
      .prepare(
        `INSERT INTO report_signal_settings (component_id, opted_in, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (component_id) DO UPDATE SET opted_in = excluded.opted_in, updated_at = excluded.updated_at`,
      )
      .bind(componentId, optedIn ? 1 : 0, now.toISOString()),
    bumpVersionStatement(db),
  ]);
}

export async function showReportSignal(db: D1Database, s: { subjectKey: string; label: string; by: string; now: Date; until: Date }): Promise<void> {
  await db.batch([
    db
      .prepare(
        `INSERT INTO report_signal_shown (subject_key, label, shown_by, shown_at, until) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (subject_key) DO UPDATE SET label = excluded.label, shown_by = excluded.shown_by, shown_at = excluded.shown_at, until = excluded.until`,
      )
      .bind(s.subjectKey, s.label, s.by, s.now.toISOString(), s.until.toISOString()),
    bumpVersionStatement(db),
  ]);
}

export async function hideReportSignal(db: D1Database, subjectKey: string): Promise<boolean> {
  const [deleted] = await db.batch([db.prepare("DELETE FROM report_signal_shown WHERE subject_key = ?1").bind(subjectKey), bumpVersionStatement(db)]);
  return (deleted?.meta.changes ?? 0) > 0;
}
