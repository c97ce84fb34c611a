// The status pages for people: `/`, `/history`, `/incidents/{id}`, `/maintenance/{id}` and
// `/postmortems/{slug}`. Each is a static Astro shell filled with live data by HTMLRewriter, so
// it is current without JavaScript, and served through the versioned edge cache (cache.ts). A
// page never answers 5xx for want of data: when D1 or our own logic fails, the shell is served
// as built, with its "live status unavailable" notice and the time of the last state we know.
import { Hono, type Context } from "hono";
import { siteConfig } from "../../site.config";
import type { MaintenanceStatus } from "../../contract/status";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import { fetchShell, liveResponse, setText } from "../platform/shell";
import type { AppEnv } from "../platform/types";
import { cachedResponse, conditionalGet, isMirrorRender, lastLiveState, noteLiveState, persistLiveState } from "./cache";
import { addMonths, lastLocalDays, localMonthKey, startOfLocalDay, startOfLocalMonth } from "./days.pure";
import { statusIndicator } from "./indicator.pure";
import { maintenancePhase } from "./maintenance.pure";
import type { CurrentStatus, Incident } from "./model.pure";
import { getIncident, hasHistoryBefore, listHistory, loadComponents, loadCurrentStatus, loadReportSignalData, loadResponseTimes } from "./queries";
import { readReportSignalSettings, reportSignalNotices } from "./report-signal.pure";
import { componentResponseCharts } from "./response-chart.pure";
import {
  componentsHtml,
  historyMonthHtml,
  incidentDetailHtml,
  incidentSummary,
  maintenanceSummary,
  reportSignalsHtml,
  sectionHtml,
  type ComponentResponseCharts,
  timeHtml,
  type ComponentHistory,
} from "./render";
import { dailyHistory, uptimePercent, type StatusChangePoint } from "./uptime.pure";

const HISTORY_DAYS = 90;
/** Months per page of /history. */
const HISTORY_MONTHS_PER_PAGE = 3;
const PAGE_CACHE_CONTROL = "no-cache";

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
    // A missing incident is a 404 page, not a failure of live data; the mirror publishes live
    // data or nothing.
    if ((err instanceof ApiError && err.status < 500) || isMirrorRender(c)) throw err;
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
  const [status, responseTimes, signals] = await Promise.all([
    loadCurrentStatus(c.env.DB, { changesSince: since }),
    responseCharts(c, now),
    reportSignalData(c, now),
  ]);
  const { indicator, description } = statusIndicator(status);
  noteLiveState({ at: new Date(now).toISOString(), description });
  persistLiveState(c);
  const incidents = status.open.filter((i) => i.kind === "incident");
  const active = status.open.filter((i) => i.kind === "maintenance" && maintenancePhase(i.status as MaintenanceStatus) === "active");
  const upcoming = status.open
    .filter((i) => i.kind === "maintenance" && maintenancePhase(i.status as MaintenanceStatus) === "upcoming")
    .sort((a, b) => (a.scheduledFor ?? "").localeCompare(b.scheduledFor ?? ""));
  const maintenance = [...active, ...upcoming];

  let rewriter = commonFill(status.updatedAt);
  rewriter = setText(rewriter, "[data-slot=overall-status]", description).on("[data-slot=overall]", {
    element(el) {
      el.setAttribute("data-indicator", indicator);
    },
  });
  const signalHtml = reportSignalsHtml(signals ? reportSignalNotices({ ...signals, now, components: status.components }).map((n) => n.label) : []);
  const incidentsHtml = incidents.length ? sectionHtml("Active incidents", incidents.map(incidentSummary)) : null;
  rewriter = setHtml(rewriter, "[data-slot=incidents]", signalHtml || incidentsHtml ? html`${signalHtml ?? ""}${incidentsHtml ?? ""}` : null);
  rewriter = setHtml(
    rewriter,
    "[data-slot=maintenance]",
    maintenance.length ? sectionHtml(active.length ? "Maintenance" : "Upcoming maintenance", maintenance.map(maintenanceSummary)) : null,
  );
  rewriter = setHtml(rewriter, "[data-slot=components]", componentsHtml(status.groups, status.components, componentHistories(status, now), responseTimes));
  return rewriter.transform(shell);
}

/** Response-time charts of monitored components; a page without them rather than no page. */
async function responseCharts(c: Context<AppEnv>, now: number): Promise<Map<string, ComponentResponseCharts>> {
  try {
    const rows = await loadResponseTimes(c.env.DB, new Date(now));
    return new Map([...rows].map(([id, list]) => [id, componentResponseCharts(list, now)]));
  } catch (err) {
    console.error("status page: response times unavailable", err);
    return new Map();
  }
}

/** What the page needs to say customers are reporting problems; none rather than no page. */
async function reportSignalData(c: Context<AppEnv>, now: number) {
  const settings = readReportSignalSettings(c.env);
  try {
    return { settings, ...(await loadReportSignalData(c.env.DB, new Date(now - settings.windowMinutes * 60_000), new Date(now))) };
  } catch (err) {
    console.error("status page: report signals unavailable", err);
    return null;
  }
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
  rewriter = setHtml(rewriter, "[data-slot=detail]", incidentDetailHtml(incident, new Map(components.map((co) => [co.id, co]))));
  return rewriter.transform(shell);
}

export const statusPageRoutes = new Hono<AppEnv>()
  .use("/", conditionalGet)
  .use("/history", conditionalGet)
  .use("/incidents/:id", conditionalGet)
  .use("/maintenance/:id", conditionalGet)
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
  });
