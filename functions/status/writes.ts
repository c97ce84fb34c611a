// Staff writes and the maintenance clock. Each write is one D1 batch (a transaction): the
// change, the component status records that history is derived from, the audit row, the
// cache-version bump and the status.published event either all happen or none does. After the
// commit the event is dispatched to its consumers (events.ts).
import type { StatusChange, StatusPublishedJob } from "../../contract/jobs";
import type { ComponentStatus, CreateIncidentInput, CreateMaintenanceInput, MaintenanceStatus, NotifyChoice, PostIncidentUpdateInput } from "../../contract/status";
import { maintenanceStatuses } from "../../contract/status";
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { auditStatement } from "../staff/queries";
import { dispatchStatusEvent, statusEvent, statusEventStatement } from "./events";
import { automaticUpdateBody, nextMaintenanceStatus } from "./maintenance.pure";
import {
  bumpVersionStatement,
  claimMaintenanceMove,
  findComponents,
  getIncident,
  insertIncidentStatement,
  insertMaintenanceStatement,
  insertStatusChangeStatement,
  insertUpdateComponentStatement,
  insertUpdateStatement,
  linkComponentStatement,
  listDueMaintenances,
  setComponentStatusStatement,
  updateIncidentStatement,
} from "./queries";
import type { Component, Incident } from "./model.pure";

/** What a write needs: D1 for the batch, the queue for the event after it. */
export type StatusWriteServices = Pick<Services, "db" | "queue">;

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

/** The moves a set of changes makes (unchanged components left out): what the event carries. */
function movesOf(changes: ReadonlyMap<string, ComponentStatus>, current: ReadonlyMap<string, Component>): StatusChange[] {
  const out: StatusChange[] = [];
  for (const [id, to] of changes) {
    const from = current.get(id)!.status;
    if (from !== to) out.push({ componentId: id, from, to });
  }
  return out;
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
    if (p.incidentId) out.push(linkComponentStatement(db, p.incidentId, id));
    if (p.updateId) out.push(insertUpdateComponentStatement(db, { updateId: p.updateId, componentId: id, from, to }));
    if (from === to) continue;
    out.push(
      setComponentStatusStatement(db, id, to, p.now),
      insertStatusChangeStatement(db, { componentId: id, from, to, at: p.now, source: p.source }),
    );
  }
  return out;
}

/**
 * Ids chosen by the caller instead of fresh random ones: an update posted to the mirror while
 * this Worker was unreachable (functions/mirror, break glass) keeps its id, and so its address,
 * when it is imported, and importing it twice finds it already there.
 */
export interface ChosenIds {
  incidentId?: string;
  updateId?: string;
}

export async function createIncident(svc: StatusWriteServices, input: CreateIncidentInput, actor: string, now: Date, ids: ChosenIds = {}): Promise<string> {
  const db = svc.db;
  const at = now.toISOString();
  const current = await requireComponents(db, Object.keys(input.components), "components");
  const id = ids.incidentId ?? newId("inc_");
  const updateId = ids.updateId ?? newId("upd_");
  const monitoringAt = input.status === "monitoring" ? at : null;
  const resolvedAt = input.status === "resolved" ? at : null;
  const changes = new Map(Object.entries(input.components));
  const event = statusEvent({ id: newId("evt_"), kind: "incident", incidentId: id, updateId, changes: movesOf(changes, current), notify: input.notify, actor, at });
  await db.batch([
    insertIncidentStatement(db, { id, name: input.name, status: input.status, impact: input.impact, at, monitoringAt, resolvedAt }),
    insertUpdateStatement(db, { id: updateId, incidentId: id, status: input.status, body: input.body, now: at }),
    ...componentChangeStatements(db, {
      changes,
      current,
      now: at,
      source: { type: "incident", id },
      updateId,
      incidentId: id,
    }),
    auditStatement(db, { actor, action: "incident.create", target: id, detail: input, now }),
    bumpVersionStatement(db),
    statusEventStatement(db, event),
  ]);
  await dispatchStatusEvent(svc, event);
  return id;
}

export async function postIncidentUpdate(
  svc: StatusWriteServices,
  incidentId: string,
  input: PostIncidentUpdateInput,
  actor: string,
  now: Date,
  ids: Pick<ChosenIds, "updateId"> = {},
): Promise<{ id: string; updateId: string }> {
  const db = svc.db;
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
  const updateId = ids.updateId ?? newId("upd_");
  const resolvedNow = closing || input.status === "postmortem";
  const event = statusEvent({ id: newId("evt_"), kind: incident.kind, incidentId, updateId, changes: movesOf(changes, current), notify: input.notify, actor, at });
  await db.batch([
    updateIncidentStatement(db, {
      id: incidentId,
      status: input.status,
      at,
      impact: input.impact ?? null,
      postmortemSlug: input.postmortem_slug,
      resolved: resolvedNow,
    }),
    insertUpdateStatement(db, { id: updateId, incidentId, status: input.status, body: input.body, now: at }),
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
    statusEventStatement(db, event),
  ]);
  await dispatchStatusEvent(svc, event);
  return { id: incidentId, updateId };
}

/**
 * Records an update written before the incident's newest one: a break-glass post on the mirror
 * that reaches the Worker after staff had moved on live (say, resolved the incident while the
 * mirror still showed it open). It joins the timeline at its own time and changes nothing
 * else: not the incident's status, impact or components, and nobody is told again; what it
 * said was on the mirror when it mattered.
 */
export async function recordPastIncidentUpdate(
  svc: Pick<StatusWriteServices, "db">,
  incidentId: string,
  input: { status: string; body: string },
  actor: string,
  at: Date,
  ids: Pick<ChosenIds, "updateId"> = {},
): Promise<{ id: string; updateId: string }> {
  const db = svc.db;
  const updateId = ids.updateId ?? newId("upd_");
  await db.batch([
    insertUpdateStatement(db, { id: updateId, incidentId, status: input.status, body: input.body, now: at.toISOString() }),
    auditStatement(db, { actor, action: "incident.update.past", target: incidentId, detail: input, now: at }),
    bumpVersionStatement(db),
  ]);
  return { id: incidentId, updateId };
}

/**
 * Moves one component by hand (or by a monitor). Setting the status it already has writes
 * nothing and publishes nothing.
 */
export async function setComponentStatus(
  svc: StatusWriteServices,
  id: string,
  status: ComponentStatus,
  actor: string,
  now: Date,
  notify?: NotifyChoice,
): Promise<void> {
  const db = svc.db;
  const [component] = await findComponents(db, [id]);
  if (!component) throw new ApiError("not_found", `There is no component with id ${id}.`);
  const at = now.toISOString();
  const changes = new Map([[id, status]]);
  const current = new Map([[id, component]]);
  const moves = movesOf(changes, current);
  const event: StatusPublishedJob | null =
    moves.length > 0 ? statusEvent({ id: newId("evt_"), kind: "component", incidentId: null, updateId: null, changes: moves, notify, actor, at }) : null;
  await db.batch([
    ...componentChangeStatements(db, { changes, current, now: at, source: { type: "manual", id: null } }),
    auditStatement(db, { actor, action: "component.update", target: id, detail: { from: component.status, to: status }, now }),
    bumpVersionStatement(db),
    ...(event ? [statusEventStatement(db, event)] : []),
  ]);
  if (event) await dispatchStatusEvent(svc, event);
}

export async function createMaintenance(svc: StatusWriteServices, input: CreateMaintenanceInput, actor: string, now: Date): Promise<string> {
  const db = svc.db;
  const ids = Array.isArray(input.components) ? input.components : Object.keys(input.components);
  await requireComponents(db, ids, "components");
  const at = now.toISOString();
  const id = newId("mnt_");
  const updateId = newId("upd_");
  const scheduledFor = new Date(input.scheduled_for).toISOString();
  const scheduledUntil = new Date(input.scheduled_until).toISOString();
  const event = statusEvent({ id: newId("evt_"), kind: "maintenance", incidentId: id, updateId, changes: [], notify: input.notify, actor, at });
  await db.batch([
    insertMaintenanceStatement(db, { id, name: input.name, scheduledFor, scheduledUntil, at }),
    insertUpdateStatement(db, { id: updateId, incidentId: id, status: "scheduled", body: input.body, now: at }),
    ...ids.map((c) => linkComponentStatement(db, id, c)),
    auditStatement(db, { actor, action: "maintenance.create", target: id, detail: input, now }),
    bumpVersionStatement(db),
    statusEventStatement(db, event),
  ]);
  await dispatchStatusEvent(svc, event);
  // A window that has already begun starts at once rather than at the next cron tick.
  await advanceMaintenances(svc, now);
  return id;
}

/**
 * The maintenance clock (cron, every minute; also right after scheduling): starts windows
 * that have begun, putting their components under maintenance, and completes windows that
 * have ended, giving components still under maintenance back as operational. Each move first
 * claims the maintenance with a conditional UPDATE, so two runs at once never move it twice.
 */
export async function advanceMaintenances(svc: StatusWriteServices, now: Date): Promise<Array<{ id: string; to: MaintenanceStatus }>> {
  const db = svc.db;
  const at = now.toISOString();
  const moved: Array<{ id: string; to: MaintenanceStatus }> = [];
  for (const m of await listDueMaintenances(db, at)) {
    const to = nextMaintenanceStatus(
      { status: m.status as MaintenanceStatus, scheduledFor: Date.parse(m.scheduledFor ?? m.startedAt), scheduledUntil: Date.parse(m.scheduledUntil ?? at) },
      now.getTime(),
    );
    if (to !== "in_progress" && to !== "completed") continue;
    if (!(await claimMaintenanceMove(db, { id: m.id, from: m.status, to, at }))) continue;
    const { statements, event } = maintenanceMove(db, m, to, await currentOf(db, m), now);
    await db.batch(statements);
    await dispatchStatusEvent(svc, event);
    moved.push({ id: m.id, to });
  }
  return moved;
}

async function currentOf(db: D1Database, m: Incident): Promise<Map<string, Component>> {
  return new Map((await findComponents(db, m.componentIds)).map((c) => [c.id, c]));
}

function maintenanceMove(
  db: D1Database,
  m: Incident,
  to: "in_progress" | "completed",
  current: Map<string, Component>,
  now: Date,
): { statements: D1PreparedStatement[]; event: StatusPublishedJob } {
  const at = now.toISOString();
  const changes = new Map<string, ComponentStatus>();
  for (const c of current.values()) {
    if (to === "in_progress" && c.status === "operational") changes.set(c.id, "under_maintenance");
    if (to === "completed" && c.status === "under_maintenance") changes.set(c.id, "operational");
  }
  const updateId = newId("upd_");
  // The clock's own moves tell subscribers and the social accounts, as the window's schedule
  // did when staff published it.
  const event = statusEvent({ id: newId("evt_"), kind: "maintenance", incidentId: m.id, updateId, changes: movesOf(changes, current), notify: undefined, actor: "cron", at });
  return {
    statements: [
      insertUpdateStatement(db, { id: updateId, incidentId: m.id, status: to, body: automaticUpdateBody[to], now: at }),
      ...componentChangeStatements(db, { changes, current, now: at, source: { type: "maintenance", id: m.id }, updateId, incidentId: m.id }),
      auditStatement(db, { actor: "cron", action: `maintenance.${to}`, target: m.id, detail: { from: m.status, to }, now }),
      bumpVersionStatement(db),
      statusEventStatement(db, event),
    ],
    event,
  };
}
