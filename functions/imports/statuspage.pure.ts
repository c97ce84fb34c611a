// From a Statuspage page's public v2 API (summary.json, components.json, incidents.json,
// scheduled-maintenances.json; the same shapes as our own /api/v2) to the import document.
// Groups are the components with `group: true`; maintenances are incidents with a
// `scheduled_for`. Erasable TypeScript: the Node CLI imports it as it is.
import * as z from "zod";
import type { ImportDocumentInput } from "../../contract/import";
import { incidentStatusLabel } from "../../contract/status";

const Page = z.looseObject({ id: z.string().optional(), name: z.string().optional(), url: z.string().optional() });

const SpComponent = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  created_at: z.string().nullish(),
  position: z.number().nullish(),
  description: z.string().nullish(),
  showcase: z.boolean().nullish(),
  start_date: z.string().nullish(),
  group_id: z.string().nullish(),
  group: z.boolean().nullish(),
  only_show_if_degraded: z.boolean().nullish(),
});

const SpUpdate = z.looseObject({
  id: z.string(),
  status: z.string(),
  body: z.string().nullish(),
  created_at: z.string(),
  display_at: z.string().nullish(),
  affected_components: z.array(z.looseObject({ code: z.string(), old_status: z.string(), new_status: z.string() })).nullish(),
});

const SpIncident = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  impact: z.string(),
  created_at: z.string(),
  updated_at: z.string().nullish(),
  started_at: z.string().nullish(),
  monitoring_at: z.string().nullish(),
  resolved_at: z.string().nullish(),
  scheduled_for: z.string().nullish(),
  scheduled_until: z.string().nullish(),
  incident_updates: z.array(SpUpdate).default([]),
  components: z.array(z.looseObject({ id: z.string() })).nullish(),
});
type SpIncident = z.infer<typeof SpIncident>;

export const StatuspageSummary = z.looseObject({
  page: Page,
  components: z.array(SpComponent).default([]),
  incidents: z.array(SpIncident).default([]),
  scheduled_maintenances: z.array(SpIncident).default([]),
});
export const StatuspageComponents = z.looseObject({ page: Page.optional(), components: z.array(SpComponent) });
export const StatuspageIncidents = z.looseObject({ page: Page.optional(), incidents: z.array(SpIncident) });
export const StatuspageMaintenances = z.looseObject({ page: Page.optional(), scheduled_maintenances: z.array(SpIncident) });

export interface StatuspageApi {
  summary: z.infer<typeof StatuspageSummary>;
  components: z.infer<typeof StatuspageComponents>;
  incidents: z.infer<typeof StatuspageIncidents>;
  maintenances: z.infer<typeof StatuspageMaintenances>;
}

const maintenanceStatuses = new Set(["scheduled", "in_progress", "verifying", "completed"]);

/** The newer of two copies of one incident (summary.json and incidents.json both list it). */
function newer(a: SpIncident, b: SpIncident): SpIncident {
  if (a.incident_updates.length !== b.incident_updates.length) return a.incident_updates.length > b.incident_updates.length ? a : b;
  return (a.updated_at ?? "") >= (b.updated_at ?? "") ? a : b;
}

/** The import document of a Statuspage page; `host` names the source (statuspage:<host>). */
export function statuspageDocument(api: StatuspageApi, host: string): ImportDocumentInput {
  const all = new Map<string, z.infer<typeof SpComponent>>();
  for (const c of [...api.summary.components, ...api.components.components]) all.set(c.id, c);
  const groups = [...all.values()].filter((c) => c.group === true);
  const leaves = [...all.values()].filter((c) => c.group !== true);
  const groupIds = new Set(groups.map((g) => g.id));
  const componentIds = new Set(leaves.map((c) => c.id));

  const incidents = new Map<string, SpIncident>();
  for (const i of [...api.summary.incidents, ...api.summary.scheduled_maintenances, ...api.incidents.incidents, ...api.maintenances.scheduled_maintenances]) {
    const seen = incidents.get(i.id);
    incidents.set(i.id, seen ? newer(seen, i) : i);
  }

  return {
    source: `statuspage:${host.toLowerCase()}`,
    groups: groups.map((g) => ({ id: g.id, name: g.name, description: g.description ?? null, position: g.position ?? 0, created_at: g.created_at ?? null })),
    components: leaves.map((c) => ({
      id: c.id,
      name: c.name,
      description: c.description ?? null,
      status: c.status as never,
      position: c.position ?? 0,
      group_id: c.group_id && groupIds.has(c.group_id) ? c.group_id : null,
      showcase: c.showcase ?? true,
      only_show_if_degraded: c.only_show_if_degraded ?? false,
      start_date: c.start_date ?? null,
      created_at: c.created_at ?? null,
    })),
    incidents: [...incidents.values()]
      .sort((a, b) => (a.created_at < b.created_at ? -1 : 1))
      .map((i) => {
        const kind = i.scheduled_for || maintenanceStatuses.has(i.status) ? "maintenance" : "incident";
        const updates = [...i.incident_updates].sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
        return {
          id: i.id,
          kind,
          name: i.name,
          status: i.status as never,
          impact: (kind === "maintenance" ? "maintenance" : i.impact) as never,
          created_at: i.created_at,
          updated_at: i.updated_at ?? null,
          started_at: i.started_at ?? null,
          monitoring_at: i.monitoring_at ?? null,
          resolved_at: i.resolved_at ?? null,
          scheduled_for: i.scheduled_for ?? null,
          scheduled_until: i.scheduled_until ?? null,
          // Components deleted from the page since are left out.
          components: (i.components ?? []).map((c) => c.id).filter((id) => componentIds.has(id)),
          updates:
            updates.length > 0
              ? updates.map((u) => ({
                  id: u.id,
                  status: u.status as never,
                  body: u.body?.trim() || incidentStatusLabel[u.status as keyof typeof incidentStatusLabel] || u.status,
                  created_at: u.created_at,
                  display_at: u.display_at ?? null,
                  affected: (u.affected_components ?? [])
                    .filter((a) => componentIds.has(a.code))
                    .map((a) => ({ component_id: a.code, old_status: a.old_status as never, new_status: a.new_status as never })),
                }))
              : // An incident without updates (rare): one update saying what it was.
                [{ id: `${i.id}:created`, status: i.status as never, body: i.name, created_at: i.created_at, display_at: null, affected: [] }],
        };
      }),
  };
}

/** The four files of a page's public v2 API, relative to its address. */
export const statuspagePaths = {
  summary: "/api/v2/summary.json",
  components: "/api/v2/components.json",
  incidents: "/api/v2/incidents.json",
  maintenances: "/api/v2/scheduled-maintenances.json",
} as const;
