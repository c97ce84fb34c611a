// The Statuspage v2 public API shapes: same field names, nesting and enum values as
// Atlassian's, so aggregators, chat bots and dashboards read us as a drop-in. Tests in
// test/status/statuspage-api.test.ts pin these shapes.
import type { Indicator } from "../../contract/status";
import type { Component, ComponentGroup, Incident } from "./model.pure";

/** Statuspage has one page per account; ours is this site. */
export const PAGE_ID = "outofband";

export interface PageJson {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

/** The page object of every answer; `site` is site.config.ts's name and timezone. */
export function pageJson(site: { name: string; timezone: string }, publicUrl: string, updatedAt: string | null): PageJson {
  return {
    id: PAGE_ID,
    name: site.name,
    url: publicUrl,
    time_zone: site.timezone,
    updated_at: updatedAt ?? new Date(0).toISOString(),
  };
}

export interface ComponentJson {
  id: string;
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
  components?: string[];
}

export function componentJson(c: Component): ComponentJson {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    position: c.position,
    description: c.description,
    showcase: c.showcase,
    start_date: c.startDate,
    group_id: c.groupId,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: c.onlyShowIfDegraded,
  };
}

/**
 * Statuspage lists groups among the components (group: true, with the ids of their
 * components), each followed by its members, in page order. A group's status is the worst of
 * its components'.
 */
export function componentsJson(groups: readonly ComponentGroup[], components: readonly Component[]): ComponentJson[] {
  const out: ComponentJson[] = [];
  const ungrouped = components.filter((c) => !c.groupId || !groups.some((g) => g.id === c.groupId));
  let position = 1;
  for (const c of ungrouped) out.push({ ...componentJson(c), position: position++ });
  for (const g of groups) {
    const members = components.filter((c) => c.groupId === g.id);
    out.push({
      id: g.id,
      name: g.name,
      status: worstComponentStatus(members),
      created_at: g.createdAt,
      updated_at: g.updatedAt,
      position: position++,
      description: g.description,
      showcase: false,
      start_date: null,
      group_id: null,
      page_id: PAGE_ID,
      group: true,
      only_show_if_degraded: false,
      components: members.map((m) => m.id),
    });
    for (const c of members) out.push({ ...componentJson(c), position: position++ });
  }
  return out;
}

const badness = { operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4 } as const;
export function worstComponentStatus(components: readonly Component[]): Component["status"] {
  let worst: Component["status"] = "operational";
  for (const c of components) if (badness[c.status] > badness[worst]) worst = c.status;
  return worst;
}

export interface IncidentUpdateJson {
  id: string;
  status: string;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: Array<{ code: string; name: string; old_status: string; new_status: string }> | null;
  deliver_notifications: boolean;
  custom_tweet: string | null;
  tweet_id: string | null;
}

export interface IncidentJson {
  id: string;
  name: string;
  status: string;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: string;
  shortlink: string;
  started_at: string;
  page_id: string;
  incident_updates: IncidentUpdateJson[];
  components: ComponentJson[];
  scheduled_for?: string | null;
  scheduled_until?: string | null;
}

export function incidentJson(i: Incident, componentsById: ReadonlyMap<string, Component>, publicUrl: string): IncidentJson {
  const out: IncidentJson = {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    monitoring_at: i.monitoringAt,
    resolved_at: i.resolvedAt,
    impact: i.impact,
    shortlink: `${publicUrl}${i.kind === "maintenance" ? "/maintenance/" : "/incidents/"}${i.id}`,
    started_at: i.startedAt,
    page_id: PAGE_ID,
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: u.incidentId,
      created_at: u.createdAt,
      updated_at: u.updatedAt,
      display_at: u.displayAt,
      affected_components:
        u.affected.length > 0
          ? u.affected.map((a) => ({ code: a.componentId, name: a.name, old_status: a.oldStatus, new_status: a.newStatus }))
          : null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: i.componentIds.flatMap((id) => {
      const c = componentsById.get(id);
      return c ? [componentJson(c)] : [];
    }),
  };
  if (i.kind === "maintenance") {
    out.scheduled_for = i.scheduledFor;
    out.scheduled_until = i.scheduledUntil;
  }
  return out;
}

export interface StatusJson {
  indicator: Indicator;
  description: string;
}
