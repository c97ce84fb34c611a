// The Worker's side of break glass: before it publishes, it reads the break-glass log of every
// target and imports each entry it has not seen as an incident update, through the same status
// writes as the staff API (one D1 batch each, audited, the cache version bumped). The entry's
// ids are kept, so an imported update is recognised by its id (importing twice is a no-op) and
// the incident keeps the address the mirror and the embed already linked to; its time is kept
// too, so the record says when staff really posted.
import { ApiError } from "../platform/errors";
import { getIncident } from "../status/queries";
import { createIncident, postIncidentUpdate, recordPastIncidentUpdate, type StatusWriteServices } from "../status/writes";
import type { BreakGlassEntry } from "./break-glass.pure";

/** Who the audit log names for an imported post. */
export const BREAK_GLASS_ACTOR = "break-glass post on the mirror";

export interface ImportResult {
  imported: string[];
  /** One sentence per entry that could not be imported (already said in the log too). */
  problems: string[];
}

export async function importBreakGlass(svc: StatusWriteServices, entries: readonly BreakGlassEntry[], now: Date): Promise<ImportResult> {
  const result: ImportResult = { imported: [], problems: [] };
  for (const entry of entries) {
    // A post from the future (a laptop's clock) is recorded as now.
    const at = new Date(Math.min(Date.parse(entry.at), now.getTime()));
    try {
      const incident = await getIncident(svc.db, entry.incident);
      if (!incident) {
        await createIncident(svc, { name: entry.name, status: entry.status, impact: entry.impact, body: entry.body, components: {} }, BREAK_GLASS_ACTOR, at, {
          incidentId: entry.incident,
          updateId: entry.id,
        });
      } else if (incident.kind !== "incident") {
        result.problems.push(`${entry.id}: ${entry.incident} is a maintenance, not an incident.`);
        continue;
      } else if (incident.updates.some((u) => u.id === entry.id)) {
        continue;
      } else if (incident.updates.some((u) => u.createdAt > at.toISOString())) {
        // Staff moved on live after this was posted (the mirror still showed the old state):
        // it joins the record at its time without undoing what came later.
        await recordPastIncidentUpdate(svc, entry.incident, { status: entry.status, body: entry.body }, BREAK_GLASS_ACTOR, at, { updateId: entry.id });
      } else {
        await postIncidentUpdate(svc, entry.incident, { status: entry.status, body: entry.body, impact: entry.impact }, BREAK_GLASS_ACTOR, at, { updateId: entry.id });
      }
      result.imported.push(entry.id);
    } catch (err) {
      // An update id taken by another incident, or a write refused: say so, import the rest.
      const message = err instanceof ApiError || err instanceof Error ? err.message : String(err);
      result.problems.push(`${entry.id}: ${message}`);
    }
  }
  return result;
}
