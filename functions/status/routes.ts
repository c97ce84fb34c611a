// Public status routes: the live pages (static Astro shells filled with HTMLRewriter), the
// Statuspage v2 JSON API, the feeds, the badge and the embed script. Everything is served
// through the versioned edge cache (cache.ts). A page never answers 5xx for want of data:
// when D1 or our own logic fails, the shell is served as built, with its "live status
// unavailable" notice and the time of the last state we know.
import { Hono, type Context } from "hono";
import { siteConfig } from "../../site.config";
import type { Indicator } from "../../contract/status";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import { fetchShell, liveResponse, setText } from "../platform/shell";
import type { AppEnv } from "../platform/types";
import { badgeSvg } from "./badge";
import { cachedResponse, lastLiveState, noteLiveState, persistLiveState, lastGoodResponse } from "./cache";
import { addMonths, lastLocalDays, localMonthKey, startOfLocalDay, startOfLocalMonth } from "./days";
import { atomFeed, rssFeed } from "./feeds";
import { timeHtml } from "./format";
import { overallIndicator } from "./indicator";
import { maintenancePhase } from "./maintenance";
import {
  getIncident,
  hasHistoryBefore,
  listHistory,
  listIncidents,
  loadComponents,
  loadCurrentStatus,
  type Component,
  type CurrentStatus,
  type Incident,
} from "./queries";
import {
  componentsHtml,
  historyMonthHtml,
  incidentDetailHtml,
  incidentSummary,
  maintenanceSummary,
  sectionHtml,
  type ComponentHistory,
} from "./render";
import { componentsJson, incidentJson, pageJson, type ComponentJson } from "./statuspage";
import { dailyHistory, uptimePercent, type StatusChangePoint } from "./uptime";

export const HISTORY_DAYS = 90;
/** Months per page of /history. */
export const HISTORY_MONTHS_PER_PAGE = 3;
const API_CACHE_CONTROL = "public, max-age=5";
const PAGE_CACHE_CONTROL = "no-cache";

// ---------- the data behind several answers ----------

function indicatorOf(status: Pick<CurrentStatus, "components" | "open">) {
  return overallIndicator({
    componentStatuses: status.components.map((c) => c.status),
    unresolvedIncidentImpacts: status.open.filter((i) => i.kind === "incident").map((i) => i.impact),
    maintenanceInProgress: status.open.some((i) => i.kind === "maintenance" && maintenancePhase(i.status as "scheduled") === "active"),
  });
}

function byId(components: readonly Component[]): Map<string, Component> {
  return new Map(components.map((c) => [c.id, c]));
}

function componentHistories(status: CurrentStatus, now: number): Map<string, ComponentHistory> {
  const days = lastLocalDays(now, siteConfig.timezone, HISTORY_DAYS);
  const points = new Map<string, StatusChangePoint[]>();
  for (const ch of status.changes) {
    const list = points.get(ch.componentId) ?? [];
    list.push({ at: Date.parse(ch.changedAt), to: ch.toStatus });
    points.set(ch.componentId, list);
  }
  const out = new Map<string, ComponentHistory>();
  for (const c of status.components) {
    const observedFrom = c.startDate ? startOfLocalDay(c.startDate, siteConfig.timezone) : Date.parse(c.createdAt);
    const history = dailyHistory({ changes: points.get(c.id) ?? [], days, now, observedFrom });
    out.set(c.id, { days: history, uptime30: uptimePercent(history.slice(-30)), uptime90: uptimePercent(history) });
  }
  return out;
}

// ---------- pages ----------

/** The shell with nothing filled in but the last known time: the page when data fails. */
async function fallbackPage(c: Context<AppEnv>, shellPath: string, cause: unknown): Promise<Response> {
  console.error(`status page ${new URL(c.req.url).pathname}: live data unavailable`, cause);
  const shell = await fetchShell(c.env, c.req.url, shellPath);
  const last = await lastLiveState(c.req.url);
  let rewriter = new HTMLRewriter();
  if (last) {
    rewriter = rewriter.on("[data-slot=last-known]", {
      element(el) {
        const text = html`The last state we could read was ${last.description ? html`“${last.description}” ` : ""}at ${timeHtml(last.at)}.`;
        el.setInnerContent(text.toString(), { html: true });
        el.removeAttribute("hidden");
      },
    });
  }
  return liveResponse(rewriter.transform(shell), 200, "no-store");
}

/** A live page: cached, filled from `fill`, and the bare shell whenever anything fails. */
async function livePage(
  c: Context<AppEnv>,
  shellPath: string,
  fill: (shell: Response) => Promise<Response>,
  queryParams: readonly string[] = [],
): Promise<Response> {
  try {
    return await cachedResponse(
      c,
      async () => {
        const shell = await fetchShell(c.env, c.req.url, shellPath);
        return liveResponse(await fill(shell), 200, PAGE_CACHE_CONTROL);
      },
      { queryParams },
    );
  } catch (err) {
    // A missing incident is a 404 page, not a failure of live data.
    if (err instanceof ApiError && err.status < 500) throw err;
    return fallbackPage(c, shellPath, err);
  }
}

function removeEl(rewriter: HTMLRewriter, selector: string): HTMLRewriter {
  return rewriter.on(selector, {
    element(el) {
      el.remove();
    },
  });
}

function setHtml(rewriter: HTMLRewriter, selector: string, markup: SafeHtml | null): HTMLRewriter {
  return rewriter.on(selector, {
    element(el) {
      if (markup === null) el.remove();
      else el.setInnerContent(markup.toString(), { html: true });
    },
  });
}

/** What every live page fills: the notice goes, the "last updated" time comes. */
function commonFill(updatedAt: string | null): HTMLRewriter {
  let rewriter = removeEl(new HTMLRewriter(), "[data-slot=live-unavailable]");
  rewriter = setHtml(rewriter, "[data-slot=updated]", updatedAt ? html`Status last changed ${timeHtml(updatedAt)}` : html`No status changes yet`);
  return rewriter;
}

async function renderHome(c: Context<AppEnv>, shell: Response): Promise<Response> {
  const now = Date.now();
  const since = new Date(lastLocalDays(now, siteConfig.timezone, HISTORY_DAYS)[0]!.start).toISOString();
  const status = await loadCurrentStatus(c.env.DB, { changesSince: since });
  const { indicator, description } = indicatorOf(status);
  noteLiveState({ at: new Date(now).toISOString(), description });
  persistLiveState(c);
  const incidents = status.open.filter((i) => i.kind === "incident");
  const active = status.open.filter((i) => i.kind === "maintenance" && maintenancePhase(i.status as "scheduled") === "active");
  const upcoming = status.open
    .filter((i) => i.kind === "maintenance" && maintenancePhase(i.status as "scheduled") === "upcoming")
    .sort((a, b) => (a.scheduledFor ?? "").localeCompare(b.scheduledFor ?? ""));
  const maintenance = [...active, ...upcoming];

  let rewriter = commonFill(status.updatedAt);
  rewriter = setText(rewriter, "[data-slot=overall-status]", description).on("[data-slot=overall]", {
    element(el) {
      el.setAttribute("data-indicator", indicator);
    },
  });
  rewriter = setHtml(rewriter, "[data-slot=incidents]", incidents.length ? sectionHtml("Active incidents", incidents.map(incidentSummary)) : null);
  rewriter = setHtml(
    rewriter,
    "[data-slot=maintenance]",
    maintenance.length ? sectionHtml(active.length ? "Maintenance" : "Upcoming maintenance", maintenance.map(maintenanceSummary)) : null,
  );
  rewriter = setHtml(rewriter, "[data-slot=components]", componentsHtml(status.groups, status.components, componentHistories(status, now)));
  return rewriter.transform(shell);
}

/** /history?page=N: HISTORY_MONTHS_PER_PAGE months per page, newest first. */
function historyPageNumber(c: Context<AppEnv>): number {
  const raw = c.req.query("page");
  if (raw === undefined) return 1;
  if (!/^[1-9][0-9]{0,3}$/.test(raw)) throw new ApiError("bad_request", "The page number must be a whole number from 1.");
  return Number(raw);
}

async function renderHistory(c: Context<AppEnv>, shell: Response, page: number): Promise<Response> {
  const tz = siteConfig.timezone;
  const newest = addMonths(localMonthKey(Date.now(), tz), -(page - 1) * HISTORY_MONTHS_PER_PAGE);
  const months = Array.from({ length: HISTORY_MONTHS_PER_PAGE }, (_, i) => addMonths(newest, -i));
  const oldest = months[months.length - 1]!;
  const from = new Date(startOfLocalMonth(oldest, tz)).toISOString();
  const before = new Date(startOfLocalMonth(addMonths(newest, 1), tz)).toISOString();
  const [items, older, components] = await Promise.all([
    listHistory(c.env.DB, { from, before, limit: 500 }),
    hasHistoryBefore(c.env.DB, from),
    loadComponents(c.env.DB),
  ]);
  const byMonth = new Map<string, Incident[]>(months.map((m) => [m, []]));
  for (const i of items) byMonth.get(localMonthKey(Date.parse(i.scheduledFor ?? i.startedAt), tz))?.push(i);

  const nav: SafeHtml[] = [];
  if (page > 1) nav.push(html`<a href="${page === 2 ? "/history" : `/history?page=${page - 1}`}" rel="prev">← Newer</a>`);
  if (older) nav.push(html`<a href="/history?page=${page + 1}" rel="next">Older →</a>`);

  let rewriter = commonFill(components.updatedAt);
  rewriter = setHtml(rewriter, "[data-slot=history]", html`${months.map((m) => historyMonthHtml(m, byMonth.get(m) ?? []))}`);
  rewriter = setHtml(rewriter, "[data-slot=pagination]", nav.length ? html`${nav}` : null);
  if (page > 1) rewriter = setText(rewriter, "title", `History, page ${page} · ${siteConfig.name} status`);
  return rewriter.transform(shell);
}

async function renderIncident(c: Context<AppEnv>, shell: Response, kind: "incident" | "maintenance"): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const incident = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await getIncident(c.env.DB, id) : null;
  if (!incident || incident.kind !== kind) {
    throw new ApiError("not_found", kind === "incident" ? "There is no incident at this address." : "There is no maintenance at this address.");
  }
  const { components } = await loadComponents(c.env.DB);
  let rewriter = commonFill(incident.updatedAt);
  rewriter = setText(rewriter, "title", `${incident.name} · ${siteConfig.name} status`);
  rewriter = setText(rewriter, "[data-slot=title]", incident.name);
  rewriter = setHtml(rewriter, "[data-slot=detail]", incidentDetailHtml(incident, byId(components)));
  return rewriter.transform(shell);
}

// ---------- JSON, feeds, badge ----------

/** JSON of the Statuspage API, cached; on failure the last good answer, else 503. */
async function apiJson(c: Context<AppEnv>, build: () => Promise<unknown>): Promise<Response> {
  try {
    const res = await cachedResponse(c, async () => {
      const body = await build();
      return new Response(JSON.stringify(body), {
        headers: { "content-type": "application/json; charset=utf-8", "cache-control": API_CACHE_CONTROL, "access-control-allow-origin": "*" },
      });
    });
    return res;
  } catch (err) {
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
    page: pageJson(env.PUBLIC_URL, status.updatedAt),
    components: componentsJson(status.groups, status.components),
    incidents: status.open.filter((i) => i.kind === "incident").map((i) => incidentJson(i, components, env.PUBLIC_URL)),
    maintenances: status.open.filter((i) => i.kind === "maintenance").map((i) => incidentJson(i, components, env.PUBLIC_URL)),
  };
}

async function incidentList(env: Env, kind: "incident" | "maintenance", statuses?: readonly string[]) {
  const [items, { components, updatedAt }] = await Promise.all([listIncidents(env.DB, { kind, statuses, limit: 50 }), loadComponents(env.DB)]);
  const map = byId(components);
  return { page: pageJson(env.PUBLIC_URL, updatedAt), items: items.map((i) => incidentJson(i, map, env.PUBLIC_URL)) };
}

async function feedItems(env: Env): Promise<Incident[]> {
  const [incidents, maintenances] = await Promise.all([
    listIncidents(env.DB, { kind: "incident", limit: 50 }),
    listIncidents(env.DB, { kind: "maintenance", limit: 25 }),
  ]);
  return [...incidents, ...maintenances].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 50);
}

function feedResponse(c: Context<AppEnv>, type: string, make: () => Promise<string>): Promise<Response> {
  return cachedResponse(c, async () => new Response(await make(), { headers: { "content-type": type, "cache-control": API_CACHE_CONTROL, "access-control-allow-origin": "*" } }));
}

export const statusRoutes = new Hono<AppEnv>()
  .get("/", (c) => livePage(c, "/index.html", (shell) => renderHome(c, shell)))
  .get("/index.html", (c) => c.redirect("/", 301))
  .get("/history", (c) => {
    const page = historyPageNumber(c);
    return livePage(c, "/history", (shell) => renderHistory(c, shell, page), ["page"]);
  })
  .get("/incidents/:id", (c) => livePage(c, "/incidents/shell", (shell) => renderIncident(c, shell, "incident")))
  .get("/maintenance/:id", (c) => livePage(c, "/maintenance/shell", (shell) => renderIncident(c, shell, "maintenance")))
  .get("/postmortems/:slug", async (c) => {
    // Postmortems are static pages built from src/content/postmortems (Markdown).
    const slug = c.req.param("slug");
    if (!/^[a-z0-9][a-z0-9-]{0,99}$/.test(slug)) throw new ApiError("not_found", "There is no postmortem at this address.");
    const res = await c.env.ASSETS.fetch(new Request(new URL(`/postmortems/${slug}`, c.req.url)));
    if (res.status === 404) throw new ApiError("not_found", "There is no postmortem at this address.");
    return liveResponse(res, 200, "public, max-age=300");
  })

  .get("/api/v2/summary.json", (c) =>
    apiJson(c, async () => {
      const s = await summary(c.env);
      return { page: s.page, components: s.components, incidents: s.incidents, scheduled_maintenances: s.maintenances, status: indicatorOf(s.status) };
    }),
  )
  .get("/api/v2/status.json", (c) =>
    apiJson(c, async () => {
      const status = await loadCurrentStatus(c.env.DB);
      return { page: pageJson(c.env.PUBLIC_URL, status.updatedAt), status: indicatorOf(status) };
    }),
  )
  .get("/api/v2/components.json", (c) =>
    apiJson(c, async () => {
      const { groups, components, updatedAt } = await loadComponents(c.env.DB);
      return { page: pageJson(c.env.PUBLIC_URL, updatedAt), components: componentsJson(groups, components) satisfies ComponentJson[] };
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
  })

  .get("/history.atom", (c) => feedResponse(c, "application/atom+xml; charset=utf-8", async () => atomFeed(await feedItems(c.env), c.env.PUBLIC_URL)))
  .get("/history.rss", (c) => feedResponse(c, "application/rss+xml; charset=utf-8", async () => rssFeed(await feedItems(c.env), c.env.PUBLIC_URL)))
  .get("/badge.svg", async (c) => {
    try {
      return await cachedResponse(c, async () => {
        const { indicator, description } = indicatorOf(await loadCurrentStatus(c.env.DB));
        return badgeResponse(indicator, description, API_CACHE_CONTROL);
      });
    } catch (err) {
      console.error("badge: live data unavailable", err);
      return badgeResponse("unknown", "status unavailable", "no-store");
    }
  })
  .get("/embed.js", async (c) => {
    // The script is a static file (public/embed.js); served here for its cross-site headers.
    const res = await c.env.ASSETS.fetch(new Request(new URL("/embed.js", c.req.url)));
    const out = new Response(res.body, res);
    out.headers.set("cache-control", "public, max-age=3600");
    out.headers.set("access-control-allow-origin", "*");
    out.headers.set("cross-origin-resource-policy", "cross-origin");
    return out;
  });

function badgeResponse(indicator: Indicator | "unknown", description: string, cacheControl: string): Response {
  const svg = badgeSvg("status", indicator, description);
  return new Response(svg, { headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": cacheControl } });
}

