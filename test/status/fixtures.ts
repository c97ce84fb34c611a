// Rows the status tests build on. Each test file has its own database; every helper here
// makes uniquely named rows, so tests never depend on each other's data.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { postJson, staffHeaders, unique } from "../helpers";

/** A group with `count` operational components, recorded as of 100 days ago. */
export async function makeComponents(count = 2): Promise<{ groupId: string; ids: string[] }> {
  const groupId = unique("grp");
  const since = new Date(Date.now() - 100 * 86_400_000).toISOString();
  const ids = Array.from({ length: count }, () => unique("cmp"));
  await env.DB.batch([
    env.DB.prepare("INSERT INTO component_groups (id, name, position, created_at, updated_at) VALUES (?1, ?2, 10, ?3, ?3)").bind(groupId, `Group ${groupId}`, since),
    ...ids.flatMap((id, i) => [
      env.DB.prepare(
        "INSERT INTO components (id, group_id, name, description, status, position, start_date, created_at, updated_at) VALUES (?1, ?2, ?3, 'A component', 'operational', ?4, ?5, ?6, ?6)",
      ).bind(id, groupId, `Component ${id}`, 100 + i, since.slice(0, 10), since),
      env.DB.prepare("INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type) VALUES (?1, NULL, 'operational', ?2, 'seed')").bind(id, since),
    ]),
    // Rows written behind the API's back: make readers see them as a staff write would.
    env.DB.prepare("UPDATE status_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'version'"),
  ]);
  return { groupId, ids };
}

export async function createIncident(body: Record<string, unknown>): Promise<string> {
  const res = await postJson("/api/admin/incidents", { status: "investigating", impact: "major", body: "We are looking into it.", ...body }, staffHeaders());
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export async function postUpdate(id: string, body: Record<string, unknown>): Promise<Response> {
  return postJson(`/api/admin/incidents/${id}/updates`, body, staffHeaders());
}

export async function createMaintenance(body: Record<string, unknown>): Promise<string> {
  const res = await postJson("/api/admin/maintenances", { body: "Planned work.", ...body }, staffHeaders());
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
