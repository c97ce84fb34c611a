// The one door from inbound email to the status capability: finding an open incident and
// posting through status's own write functions (each records the audit row and bumps the page
// version). If status moves its files, only this file changes.
import type { CreateIncidentInput, PostIncidentUpdateInput } from "../../contract/status";
import { getIncident, listIncidents } from "../status/queries";
import { createIncident, postIncidentUpdate, type StatusWriteServices } from "../status/writes";

export interface IncidentView {
  id: string;
  name: string;
  status: string;
}

const UNRESOLVED = ["investigating", "identified", "monitoring"] as const;

export async function openIncidents(db: D1Database): Promise<IncidentView[]> {
  const found = await listIncidents(db, { kind: "incident", statuses: UNRESOLVED, limit: 100 });
  return found.map((i) => ({ id: i.id, name: i.name, status: i.status }));
}

export async function incidentById(db: D1Database, id: string): Promise<IncidentView | null> {
  const i = await getIncident(db, id);
  return i && i.kind === "incident" ? { id: i.id, name: i.name, status: i.status } : null;
}

export function openIncident(svc: StatusWriteServices, input: CreateIncidentInput, actor: string, now: Date): Promise<string> {
  return createIncident(svc, input, actor, now);
}

export async function updateIncident(svc: StatusWriteServices, id: string, input: PostIncidentUpdateInput, actor: string, now: Date): Promise<void> {
  await postIncidentUpdate(svc, id, input, actor, now);
}
