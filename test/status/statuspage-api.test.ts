// The Statuspage v2 public API: shapes pinned key by key, as Atlassian's clients read them.
import { beforeAll, describe, expect, it } from "vitest";
import { fetchWorker } from "../helpers";
import { createIncident, createMaintenance, hoursFromNow, makeComponents, postUpdate } from "./fixtures";

const PAGE_KEYS = ["id", "name", "time_zone", "updated_at", "url"];
const COMPONENT_KEYS = [
  "created_at",
  "description",
  "group",
  "group_id",
  "id",
  "name",
  "only_show_if_degraded",
  "page_id",
  "position",
  "showcase",
  "start_date",
  "status",
  "updated_at",
];
const INCIDENT_KEYS = [
  "components",
  "created_at",
  "id",
  "impact",
  "incident_updates",
  "monitoring_at",
  "name",
  "page_id",
  "resolved_at",
  "shortlink",
  "started_at",
  "status",
  "updated_at",
];
const UPDATE_KEYS = [
  "affected_components",
  "body",
  "created_at",
  "custom_tweet",
  "deliver_notifications",
  "display_at",
  "id",
  "incident_id",
  "status",
  "tweet_id",
  "updated_at",
];

type Json = Record<string, any>;
async function getJson(path: string): Promise<{ res: Response; body: Json }> {
  const res = await fetchWorker(path);
  expect(res.status, path).toBe(200);
  return { res, body: (await res.json()) as Json };
}
const keys = (o: Json) => Object.keys(o).sort();

let ids: string[] = [];
let groupId = "";
let openIncident = "";
let resolvedIncident = "";
let upcoming = "";
let active = "";

beforeAll(async () => {
  ({ ids, groupId } = await makeComponents(3));
  openIncident = await createIncident({ name: "Web is slow", impact: "minor", components: { [ids[0]!]: "degraded_performance" } });
  resolvedIncident = await createIncident({ name: "Old outage", components: { [ids[1]!]: "major_outage" } });
  expect((await postUpdate(resolvedIncident, { status: "resolved", body: "Fixed." })).status).toBe(201);
  upcoming = await createMaintenance({ name: "Future work", scheduled_for: hoursFromNow(24), scheduled_until: hoursFromNow(26), components: [ids[2]!] });
  active = await createMaintenance({ name: "Work now", scheduled_for: hoursFromNow(-1), scheduled_until: hoursFromNow(1), components: [ids[2]!] });
});

describe("GET /api/v2/summary.json", () => {
  it("has Statuspage's top-level shape and headers", async () => {
    const { res, body } = await getJson("/api/v2/summary.json");
    expect(keys(body)).toEqual(["components", "incidents", "page", "scheduled_maintenances", "status"]);
    expect(keys(body.page)).toEqual(PAGE_KEYS);
    expect(keys(body.status)).toEqual(["description", "indicator"]);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(res.headers.get("etag")).toMatch(/^W\/".+"$/);
  });

  it("lists groups among components, each with its members' ids", async () => {
    const { body } = await getJson("/api/v2/summary.json");
    const group = body.components.find((c: Json) => c.id === groupId);
    expect(keys(group)).toEqual([...COMPONENT_KEYS, "components"].sort());
    expect(group).toMatchObject({ group: true, group_id: null, components: ids });
    // The worst of its members: degraded (ids[0]) outranks under maintenance (ids[2]).
    expect(group.status).toBe("degraded_performance");
  });

  it("gives each component the Statuspage fields and enum values", async () => {
    const { body } = await getJson("/api/v2/summary.json");
    const [a, b, c] = ids.map((id) => body.components.find((x: Json) => x.id === id));
    expect(keys(a)).toEqual(COMPONENT_KEYS);
    expect(a).toMatchObject({ status: "degraded_performance", group: false, group_id: groupId, showcase: true, only_show_if_degraded: false, page_id: "outofband" });
    expect(b.status).toBe("operational");
    expect(c.status).toBe("under_maintenance");
    expect(typeof a.position).toBe("number");
  });

  it("lists only unresolved incidents, with updates and affected components", async () => {
    const { body } = await getJson("/api/v2/summary.json");
    const mine = body.incidents.filter((i: Json) => [openIncident, resolvedIncident].includes(i.id));
    expect(mine.map((i: Json) => i.id)).toEqual([openIncident]);
    const incident = mine[0];
    expect(keys(incident)).toEqual(INCIDENT_KEYS);
    expect(incident).toMatchObject({ name: "Web is slow", status: "investigating", impact: "minor", resolved_at: null, monitoring_at: null });
    expect(incident.shortlink).toMatch(new RegExp(`/incidents/${openIncident}$`));
    expect(keys(incident.incident_updates[0])).toEqual(UPDATE_KEYS);
    expect(incident.incident_updates[0].affected_components).toEqual([
      { code: ids[0], name: `Component ${ids[0]}`, old_status: "operational", new_status: "degraded_performance" },
    ]);
    expect(incident.components.map((c: Json) => c.id)).toEqual([ids[0]]);
    expect(keys(incident.components[0])).toEqual(COMPONENT_KEYS);
  });

  it("lists upcoming and active maintenance with their window", async () => {
    const { body } = await getJson("/api/v2/summary.json");
    const mine = body.scheduled_maintenances.filter((m: Json) => [upcoming, active].includes(m.id));
    expect(mine.map((m: Json) => m.id).sort()).toEqual([upcoming, active].sort());
    for (const m of mine) {
      expect(keys(m)).toEqual([...INCIDENT_KEYS, "scheduled_for", "scheduled_until"].sort());
      expect(m.impact).toBe("maintenance");
    }
    expect(mine.find((m: Json) => m.id === active).status).toBe("in_progress");
    expect(mine.find((m: Json) => m.id === upcoming).status).toBe("scheduled");
  });
});

describe("the other v2 endpoints", () => {
  it("status.json: page and status only", async () => {
    const { body } = await getJson("/api/v2/status.json");
    expect(keys(body)).toEqual(["page", "status"]);
    expect(["none", "minor", "major", "critical", "maintenance"]).toContain(body.status.indicator);
  });

  it("components.json: page and components", async () => {
    const { body } = await getJson("/api/v2/components.json");
    expect(keys(body)).toEqual(["components", "page"]);
    expect(body.components.some((c: Json) => c.id === ids[0])).toBe(true);
  });

  it("incidents.json: resolved and unresolved incidents, no maintenance", async () => {
    const { body } = await getJson("/api/v2/incidents.json");
    expect(keys(body)).toEqual(["incidents", "page"]);
    const got = body.incidents.map((i: Json) => i.id);
    expect(got).toEqual(expect.arrayContaining([openIncident, resolvedIncident]));
    expect(got).not.toContain(active);
    const resolved = body.incidents.find((i: Json) => i.id === resolvedIncident);
    expect(resolved.status).toBe("resolved");
    expect(resolved.resolved_at).not.toBeNull();
    expect(resolved.incident_updates.map((u: Json) => u.status)).toEqual(["resolved", "investigating"]);
    // Resolving without naming components set the affected one back to operational.
    expect(resolved.incident_updates[0].affected_components).toEqual([
      { code: ids[1], name: `Component ${ids[1]}`, old_status: "major_outage", new_status: "operational" },
    ]);
  });

  it("incidents/unresolved.json: only unresolved", async () => {
    const { body } = await getJson("/api/v2/incidents/unresolved.json");
    const got = body.incidents.map((i: Json) => i.id);
    expect(got).toContain(openIncident);
    expect(got).not.toContain(resolvedIncident);
  });

  it.each([
    ["/api/v2/scheduled-maintenances.json", ["upcoming", "active"]],
    ["/api/v2/scheduled-maintenances/upcoming.json", ["upcoming"]],
    ["/api/v2/scheduled-maintenances/active.json", ["active"]],
  ] as const)("%s", async (path, expected) => {
    const { body } = await getJson(path);
    expect(keys(body)).toEqual(["page", "scheduled_maintenances"]);
    const got = body.scheduled_maintenances.map((m: Json) => m.id).filter((id: string) => [upcoming, active].includes(id));
    expect(got.sort()).toEqual(expected.map((e) => (e === "upcoming" ? upcoming : active)).sort());
  });
});

describe("caching", () => {
  it("answers 304 to a matching If-None-Match", async () => {
    const first = await fetchWorker("/api/v2/status.json");
    const etag = first.headers.get("etag")!;
    const again = await fetchWorker("/api/v2/status.json", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
  });

  it("shows a staff write at once, though answers are cached", async () => {
    await fetchWorker("/api/v2/incidents/unresolved.json");
    const id = await createIncident({ name: "Fresh incident" });
    const { body } = await getJson("/api/v2/incidents/unresolved.json");
    expect(body.incidents.map((i: Json) => i.id)).toContain(id);
  });

  it("allows cross-origin preflight on the public API", async () => {
    const res = await fetchWorker("/api/v2/summary.json", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});
