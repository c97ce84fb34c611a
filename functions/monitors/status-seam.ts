// The one door from monitors to the status capability: reading components, moving one, and
// publishing a drafted incident, all through status's own functions (its writes record the
// audit row and bump the page version). If status moves its files, only this file changes.
import type { ComponentStatus, CreateIncidentInput } from "../../contract/status";
import type { Services } from "../platform/services";
import { findComponents } from "../status/queries";
import { createIncident, setComponentStatus } from "../status/writes";

export interface ComponentView {
  id: string;
  name: string;
  status: ComponentStatus;
}

export async function componentsById(db: D1Database, ids: readonly string[]): Promise<Map<string, ComponentView>> {
  if (ids.length === 0) return new Map();
  const found = await findComponents(db, [...new Set(ids)]);
  return new Map(found.map((c) => [c.id, { id: c.id, name: c.name, status: c.status }]));
}

/** Moves a component as `actor` ("monitor:<id>" or "heartbeat:<id>" in the audit log). */
export function moveComponent(svc: Pick<Services, "db" | "queue">, componentId: string, to: ComponentStatus, actor: string, now: Date): Promise<void> {
  return setComponentStatus(svc, componentId, to, actor, now);
}

export function publishIncident(svc: Pick<Services, "db" | "queue">, input: CreateIncidentInput, actor: string, now: Date): Promise<string> {
  return createIncident(svc, input, actor, now);
}
