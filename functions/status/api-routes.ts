// The Statuspage v2 compatible JSON API (`/api/v2/*.json`): the same paths, fields and enum
// values as Atlassian's public API, open to any origin, cached by version with an ETag. When
// D1 fails it answers the last good answer, else 503 with Retry-After: never a stale guess.
import { Hono, type Context } from "hono";
import { siteConfig } from "../../site.config";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { cachedResponse, conditionalGet, isMirrorRender, lastGoodResponse, PUBLIC_CACHE_CONTROL } from "./cache";
import { statusIndicator } from "./indicator.pure";
import type { Component } from "./model.pure";
import { listIncidents, loadComponents, loadCurrentStatus } from "./queries";
import { componentsJson, incidentJson, pageJson, type ComponentJson } from "./statuspage.pure";

function byId(components: readonly Component[]): Map<string, Component> {
  return new Map(components.map((c) => [c.id, c]));
}

/** JSON of the Statuspage API, cached; on failure the last good answer, else 503. */
async function apiJson(c: Context<AppEnv>, build: () => Promise<unknown>): Promise<Response> {
  try {
    const res = await cachedResponse(c, async () => {
      const body = await build();
      return new Response(JSON.stringify(body), {
        headers: { "content-type": "application/json; charset=utf-8", "cache-control": PUBLIC_CACHE_CONTROL, "access-control-allow-origin": "*" },
      });
    });
    return res;
  } catch (err) {
    if (isMirrorRender(c)) throw err;
    const stale = lastGoodResponse(c.req.url);
    if (stale) {
      console.error("status API: live data unavailable, serving the last good answer", err);
      return stale;
    }
    console.error("status API: live data unavailable", err);
    throw new ApiError("unavailable", "Live status is unavailable right now; please try again shortly.", {
      headers: { "Retry-After": "10", "Access-Control-Allow-Origin": "*" },
    });
  }
}

async function summary(env: Env) {
  const status = await loadCurrentStatus(env.DB);
  const components = byId(status.components);
  return {
    status,
    page: pageJson(siteConfig, env.PUBLIC_URL, status.updatedAt),
    components: componentsJson(status.groups, status.components),
    incidents: status.open.filter((i) => i.kind === "incident").map((i) => incidentJson(i, components, env.PUBLIC_URL)),
    maintenances: status.open.filter((i) => i.kind === "maintenance").map((i) => incidentJson(i, components, env.PUBLIC_URL)),
  };
}

async function incidentList(env: Env, kind: "incident" | "maintenance", statuses?: readonly string[]) {
  const [items, { components, updatedAt }] = await Promise.all([listIncidents(env.DB, { kind, statuses, limit: 50 }), loadComponents(env.DB)]);
  const map = byId(components);
  return { page: pageJson(siteConfig, env.PUBLIC_URL, updatedAt), items: items.map((i) => incidentJson(i, map, env.PUBLIC_URL)) };
}

export const statusApiRoutes = new Hono<AppEnv>()
  .use("/api/v2/*", conditionalGet)
  .get("/api/v2/summary.json", (c) =>
    apiJson(c, async () => {
      const s = await summary(c.env);
      return { page: s.page, components: s.components, incidents: s.incidents, scheduled_maintenances: s.maintenances, status: statusIndicator(s.status) };
    }),
  )
  .get("/api/v2/status.json", (c) =>
    apiJson(c, async () => {
      const status = await loadCurrentStatus(c.env.DB);
      return { page: pageJson(siteConfig, c.env.PUBLIC_URL, status.updatedAt), status: statusIndicator(status) };
    }),
  )
  .get("/api/v2/components.json", (c) =>
    apiJson(c, async () => {
      const { groups, components, updatedAt } = await loadComponents(c.env.DB);
      return { page: pageJson(siteConfig, c.env.PUBLIC_URL, updatedAt), components: componentsJson(groups, components) satisfies ComponentJson[] };
    }),
  )
  .get("/api/v2/incidents.json", (c) =>
    apiJson(c, async () => {
      const { page, items } = await incidentList(c.env, "incident");
      return { page, incidents: items };
    }),
  )
  .get("/api/v2/incidents/unresolved.json", (c) =>
    apiJson(c, async () => {
      const { page, items } = await incidentList(c.env, "incident", ["investigating", "identified", "monitoring"]);
      return { page, incidents: items };
    }),
  )
  .get("/api/v2/scheduled-maintenances.json", (c) =>
    apiJson(c, async () => {
      const { page, items } = await incidentList(c.env, "maintenance");
      return { page, scheduled_maintenances: items };
    }),
  )
  .get("/api/v2/scheduled-maintenances/upcoming.json", (c) =>
    apiJson(c, async () => {
      const { page, items } = await incidentList(c.env, "maintenance", ["scheduled"]);
      return { page, scheduled_maintenances: items };
    }),
  )
  .get("/api/v2/scheduled-maintenances/active.json", (c) =>
    apiJson(c, async () => {
      const { page, items } = await incidentList(c.env, "maintenance", ["in_progress", "verifying"]);
      return { page, scheduled_maintenances: items };
    }),
  )
  .options("/api/v2/*", () => {
    return new Response(null, {
      status: 204,
      headers: { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS", "Access-Control-Max-Age": "86400" },
    });
  });
