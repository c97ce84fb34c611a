// Importing a document (contract/import.ts) into the status page, in one D1 batch: what the
// source has that we have not imported yet (groups, components, incidents, their updates) is
// added, keeping the source's times; an incident imported before gets the updates it gained
// since, and its status. What was imported once is never changed again (staff may have edited
// it here), so the same document imported twice changes nothing. An import tells nobody: it is
// history, not news (no status.published event).
import type { ComponentStatus } from "../../contract/status";
import type { ImportDocument } from "../../contract/import";
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { auditStatement } from "../staff/queries";
import {
  bumpVersionStatement,
  existingStatusIds,
  importComponentsStatement,
  importGroupsStatement,
  importIncidentComponentsStatement,
  importIncidentsStatement,
  importStatusChangesStatement,
  importUpdateComponentsStatement,
  importUpdatesStatement,
  refreshImportedIncidentsStatement,
  type ImportedComponentRow,
  type ImportedGroupRow,
  type ImportedIncidentRow,
  type ImportedUpdateRow,
} from "../status/queries";
import { insertMappingsStatement, loadMappings, type MappingKind } from "./queries";
import { newId } from "../status/writes";
import { localIdFor, splitBySize } from "./ids.pure";

export interface ImportSummary {
  source: string;
  created: { groups: number; components: number; incidents: number; maintenances: number; updates: number };
  /** Incidents imported before that gained updates since. */
  updated: { incidents: number };
  /** Already imported and unchanged. */
  unchanged: { groups: number; components: number; incidents: number };
}

/** One statement's JSON parameter stays well under D1's 2 MB per value. */
const MAX_PARAM_BYTES = 900_000;

export async function importDocument(svc: Pick<Services, "db">, doc: ImportDocument, actor: string, now: Date): Promise<ImportSummary> {
  const db = svc.db;
  const at = now.toISOString();
  const mapped = await loadMappings(db, doc.source);
  const newMappings: Array<{ kind: MappingKind; sourceId: string; localId: string }> = [];
  const map = (kind: MappingKind, sourceId: string, localId: string) => {
    mapped[kind].set(sourceId, localId);
    newMappings.push({ kind, sourceId, localId });
  };
  const summary: ImportSummary = {
    source: doc.source,
    created: { groups: 0, components: 0, incidents: 0, maintenances: 0, updates: 0 },
    updated: { incidents: 0 },
    unchanged: { groups: 0, components: 0, incidents: 0 },
  };

  // Readable ids for groups and components (staff type them: --component cmp_api=...), each
  // checked against what exists; incidents and updates get ours.
  const taken = async (table: "component_groups" | "components", wanted: string[]) => existingStatusIds(db, table, wanted);

  const groups: ImportedGroupRow[] = [];
  const newGroups = doc.groups.filter((g) => !mapped.group.has(g.id));
  summary.unchanged.groups = doc.groups.length - newGroups.length;
  const groupTaken = await taken("component_groups", newGroups.map((g) => localIdFor("grp_", g.id)));
  for (const g of newGroups) {
    const id = localIdFor("grp_", g.id, groupTaken);
    groupTaken.add(id);
    groups.push({ id, name: g.name, description: g.description, position: g.position, at: g.created_at ?? at });
    map("group", g.id, id);
  }
  summary.created.groups = groups.length;

  const components: ImportedComponentRow[] = [];
  const newComponents = doc.components.filter((c) => !mapped.component.has(c.id));
  summary.unchanged.components = doc.components.length - newComponents.length;
  const componentTaken = await taken("components", newComponents.map((c) => localIdFor("cmp_", c.id)));
  for (const c of newComponents) {
    const id = localIdFor("cmp_", c.id, componentTaken);
    componentTaken.add(id);
    const groupId = c.group_id ? (mapped.group.get(c.group_id) ?? null) : null;
    if (c.group_id && !groupId) throw unknownRef(`components.${c.id}.group_id`, `There is no group ${c.group_id} in this import or an earlier one from ${doc.source}.`);
    components.push({
      id,
      groupId,
      name: c.name,
      description: c.description,
      status: c.status,
      position: c.position,
      showcase: c.showcase,
      onlyShowIfDegraded: c.only_show_if_degraded,
      startDate: c.start_date,
      at: c.created_at ?? at,
    });
    map("component", c.id, id);
  }
  summary.created.components = components.length;

  const componentOf = (sourceId: string, field: string): string => {
    const id = mapped.component.get(sourceId);
    if (!id) throw unknownRef(field, `There is no component ${sourceId} in this import or an earlier one from ${doc.source}.`);
    return id;
  };

  const incidents: ImportedIncidentRow[] = [];
  const refreshed: ImportedIncidentRow[] = [];
  const updates: ImportedUpdateRow[] = [];
  const links: Array<{ incidentId: string; componentId: string }> = [];
  const updateComponents: Array<{ updateId: string; componentId: string; from: ComponentStatus; to: ComponentStatus }> = [];
  const changes: Array<{ componentId: string; from: ComponentStatus | null; to: ComponentStatus; at: string; sourceType: string; sourceId: string | null }> = [];

  for (const inc of doc.incidents) {
    const known = mapped.incident.get(inc.id);
    const fresh = inc.updates.filter((u) => !mapped.update.has(u.id));
    if (known && fresh.length === 0) {
      summary.unchanged.incidents++;
      continue;
    }
    const incidentId = known ?? newId(inc.kind === "maintenance" ? "mnt_" : "inc_");
    const lastUpdate = inc.updates.reduce((a, b) => (a.created_at > b.created_at ? a : b));
    const row: ImportedIncidentRow = {
      id: incidentId,
      kind: inc.kind,
      name: inc.name,
      status: inc.status,
      impact: inc.kind === "maintenance" ? "maintenance" : inc.impact,
      scheduledFor: inc.scheduled_for,
      scheduledUntil: inc.scheduled_until,
      createdAt: inc.created_at,
      updatedAt: inc.updated_at ?? lastUpdate.created_at,
      startedAt: inc.started_at ?? inc.scheduled_for ?? inc.created_at,
      monitoringAt: inc.monitoring_at,
      resolvedAt: inc.resolved_at,
    };
    if (known) {
      refreshed.push(row);
      summary.updated.incidents++;
    } else {
      incidents.push(row);
      map("incident", inc.id, incidentId);
      summary.created[inc.kind === "maintenance" ? "maintenances" : "incidents"]++;
    }
    for (const [i, sourceComponent] of inc.components.entries()) links.push({ incidentId, componentId: componentOf(sourceComponent, `incidents.${inc.id}.components.${i}`) });
    for (const u of fresh) {
      const updateId = newId("upd_");
      updates.push({ id: updateId, incidentId, status: u.status, body: u.body, createdAt: u.created_at, displayAt: u.display_at ?? u.created_at });
      map("update", u.id, updateId);
      for (const a of u.affected) {
        const componentId = componentOf(a.component_id, `incidents.${inc.id}.updates.${u.id}.affected`);
        updateComponents.push({ updateId, componentId, from: a.old_status, to: a.new_status });
        links.push({ incidentId, componentId });
        if (a.old_status !== a.new_status) changes.push({ componentId, from: a.old_status, to: a.new_status, at: u.display_at ?? u.created_at, sourceType: inc.kind, sourceId: incidentId });
      }
    }
    summary.created.updates += fresh.length;
  }

  // History for new components: operational (or the status before their first imported change)
  // since they were created, the imported changes, and their status now when the changes do not
  // end there. Uptime is derived from these rows.
  for (const c of components) {
    const own = changes.filter((ch) => ch.componentId === c.id).sort((a, b) => (a.at < b.at ? -1 : 1));
    const first = own[0];
    const since = first && first.at < c.at ? first.at : c.at;
    changes.push({ componentId: c.id, from: null, to: first?.from ?? c.status, at: since, sourceType: "import", sourceId: null });
    const last = own.at(-1)?.to ?? first?.from ?? c.status;
    if (last !== c.status) changes.push({ componentId: c.id, from: last, to: c.status, at, sourceType: "import", sourceId: null });
  }

  if (newMappings.length === 0 && refreshed.length === 0) return summary;

  const statements: D1PreparedStatement[] = [];
  const add = <T>(rows: readonly T[], make: (part: T[]) => D1PreparedStatement) => {
    for (const part of splitBySize(rows, MAX_PARAM_BYTES)) statements.push(make(part));
  };
  add(groups, (p) => importGroupsStatement(db, p));
  add(components, (p) => importComponentsStatement(db, p));
  add(incidents, (p) => importIncidentsStatement(db, p));
  add(refreshed, (p) => refreshImportedIncidentsStatement(db, p));
  add(updates, (p) => importUpdatesStatement(db, p));
  add(links, (p) => importIncidentComponentsStatement(db, p));
  add(updateComponents, (p) => importUpdateComponentsStatement(db, p));
  add(changes, (p) => importStatusChangesStatement(db, p));
  add(newMappings, (p) => insertMappingsStatement(db, doc.source, p, at));
  statements.push(auditStatement(db, { actor, action: "status.import", target: doc.source, detail: { created: summary.created, updated: summary.updated }, now }), bumpVersionStatement(db));
  await db.batch(statements);
  return summary;
}

function unknownRef(field: string, message: string): ApiError {
  return new ApiError("validation_failed", message, { fields: { [field]: message } });
}
