// Markup of the live parts of the status pages, always through the escaping `html` template.
// The page around them (layout, styles, contacts) is the Astro shell.
import { componentStatusLabel, impactLabel, incidentStatusLabel, type ComponentStatus } from "../../contract/status";
import { html, type SafeHtml } from "../platform/html";
import { formatDateKey, formatDuration, formatMonthKey, formatUtc } from "./format.pure";
import { maintenancePhase } from "./maintenance.pure";
import type { Component, ComponentGroup, Incident } from "./model.pure";
import { noticeText } from "./report-signal.pure";
import type { ResponseChart } from "./response-chart.pure";
import type { DayHistory } from "./uptime.pure";
import { worstComponentStatus } from "./statuspage.pure";

/** A <time> with the instant in `datetime`, UTC text, and a hint for the local-time script. */
export function timeHtml(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${formatUtc(iso)}</time>`;
}

/** Text written by staff: blank lines make paragraphs, single newlines line breaks. */
function paragraphs(text: string): SafeHtml {
  const blocks = text.trim().split(/\n\s*\n/);
  return html`${blocks.map((b) => html`<p>${b.split("\n").map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>`)}`;
}

export interface ComponentHistory {
  days: DayHistory[];
  uptime30: number | null;
  uptime90: number | null;
}

const statusClass: Record<ComponentStatus, string> = {
  operational: "ok",
  under_maintenance: "maint",
  degraded_performance: "deg",
  partial_outage: "part",
  major_outage: "major",
};

export function incidentHref(i: Incident): string {
  return `${i.kind === "maintenance" ? "/maintenance/" : "/incidents/"}${i.id}`;
}

/** An unresolved incident on the home page: its name, impact and latest update. */
export function incidentSummary(i: Incident): SafeHtml {
  const latest = i.updates[0];
  return html`<article class="card incident impact-${i.impact}">
<h3><a href="${incidentHref(i)}">${i.name}</a></h3>
${latest ? html`<p class="update-meta"><strong>${incidentStatusLabel[latest.status]}</strong> · ${timeHtml(latest.displayAt)}</p>${paragraphs(latest.body)}` : ""}
</article>`;
}

export function maintenanceSummary(m: Incident): SafeHtml {
  const latest = m.updates[0];
  const phase = maintenancePhase(m.status as "scheduled");
  return html`<article class="card incident impact-maintenance">
<h3><a href="${incidentHref(m)}">${m.name}</a></h3>
<p class="update-meta"><strong>${phase === "active" ? incidentStatusLabel[m.status] : "Scheduled"}</strong> · ${windowHtml(m)}</p>
${latest ? paragraphs(latest.body) : ""}
</article>`;
}

function windowHtml(m: Incident): SafeHtml {
  if (!m.scheduledFor || !m.scheduledUntil) return html``;
  return html`${timeHtml(m.scheduledFor)} to ${timeHtml(m.scheduledUntil)}`;
}

export function sectionHtml(title: string, body: SafeHtml[]): SafeHtml {
  return html`<h2>${title}</h2>${body}`;
}

/** Component groups as collapsible <details>, each component with its 90-day bars. */
export function componentsHtml(
  groups: readonly ComponentGroup[],
  components: readonly Component[],
  history: ReadonlyMap<string, ComponentHistory>,
  responseTimes: ReadonlyMap<string, ComponentResponseCharts> = new Map(),
): SafeHtml {
  const visible = components.filter((c) => !c.onlyShowIfDegraded || c.status !== "operational");
  const grouped = new Set(groups.map((g) => g.id));
  const loose = visible.filter((c) => !c.groupId || !grouped.has(c.groupId));
  const parts: SafeHtml[] = [barDefsHtml()];
  if (loose.length > 0) parts.push(html`<ul class="components card">${loose.map((c) => componentHtml(c, history.get(c.id), responseTimes.get(c.id)))}</ul>`);
  for (const g of groups) {
    const members = visible.filter((c) => c.groupId === g.id);
    if (members.length === 0) continue;
    const worst = worstComponentStatus(members);
    parts.push(html`<details class="group card" open>
<summary><span class="group-name">${g.name}</span> <span class="status s-${statusClass[worst]}">${componentStatusLabel[worst]}</span></summary>
<ul class="components">${members.map((c) => componentHtml(c, history.get(c.id), responseTimes.get(c.id)))}</ul>
</details>`);
  }
  return html`${parts}`;
}

function componentHtml(c: Component, h: ComponentHistory | undefined, rt: ComponentResponseCharts | undefined): SafeHtml {
  return html`<li class="component">
<div class="component-head"><span class="component-name">${c.name}</span> <span class="status s-${statusClass[c.status]}">${componentStatusLabel[c.status]}</span></div>
${c.description ? html`<p class="muted small">${c.description}</p>` : ""}
${h && c.showcase ? barsHtml(c.name, h) : ""}
${rt ? responseTimeHtml(c.name, rt) : ""}
</li>`;
}

export type ComponentResponseCharts = { day: ResponseChart | null; quarter: ResponseChart | null };

/**
 * A monitored component's response time: two small line charts (24 hours, 90 days), each an
 * inline SVG whose accessible name says what it shows, with the average as text beside it.
 * Presentation attributes only (no style attribute: the CSP allows hashed styles alone).
 */
export function responseTimeHtml(name: string, charts: ComponentResponseCharts): SafeHtml {
  const one = (span: string, ch: ResponseChart | null) =>
    ch
      ? html`<figure class="rt"><svg viewBox="0 0 ${ch.width} ${ch.height}" width="100%" height="${ch.height}" preserveAspectRatio="none" role="img" aria-label="${name}: response time over ${span}, average ${ch.averageMs} ms, slowest ${ch.maxMs} ms"><path d="${ch.path}" fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke"/></svg><figcaption class="muted small">Response time, ${span}: average ${ch.averageMs} ms</figcaption></figure>`
      : "";
  if (!charts.day && !charts.quarter) return html``;
  return html`<div class="response-times">${one("24 hours", charts.day)}${one("90 days", charts.quarter)}</div>`;
}

/** "We are receiving reports of problems with Mail and are investigating." (reports as a signal) */
export function reportSignalsHtml(labels: readonly string[]): SafeHtml | null {
  if (labels.length === 0) return null;
  return html`${labels.map((l) => html`<p class="card report-signal" role="status">${noticeText(l)}</p>`)}`;
}

const BAR_STEP = 5;
const BAR_WIDTH = 3.4;
const BAR_HEIGHT = 28;

/**
 * The bar shapes, once per page: operational days are drawn by one pattern-filled rect per
 * component (a few bytes, next to nothing to parse or lay out on a slow phone), and only the
 * days with something to say get their own <rect>.
 */
export function barDefsHtml(): SafeHtml {
  return html`<svg class="sr-only" aria-hidden="true" focusable="false"><defs><pattern id="bar-day" width="${BAR_STEP}" height="${BAR_HEIGHT}" patternUnits="userSpaceOnUse"><rect width="${BAR_WIDTH}" height="${BAR_HEIGHT}" class="b-ok"/></pattern></defs></svg>`;
}

/**
 * 90 daily bars as one small SVG: every day drawn operational by the pattern, and each other
 * day its own <rect> on top, with a <title> (hover text) saying what happened. The summary is
 * the SVG's accessible name; the uptime figures are text beside it.
 */
export function barsHtml(name: string, h: ComponentHistory): SafeHtml {
  const marked: SafeHtml[] = [];
  h.days.forEach((d, i) => {
    if (d.worst === "operational") return;
    const cls = d.worst ? statusClass[d.worst] : "none";
    marked.push(html`<rect x="${i * BAR_STEP}" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" class="b-${cls}"><title>${dayTitle(d)}</title></rect>`);
  });
  const troubled = h.days.filter((d) => d.worst && d.worst !== "operational").length;
  const uptime90 = h.uptime90 === null ? "no data" : `${h.uptime90} % uptime`;
  const label = `${name}, last ${h.days.length} days: ${uptime90}; ${troubled === 0 ? "no days" : troubled === 1 ? "1 day" : `${troubled} days`} with incidents or maintenance.`;
  const width = h.days.length * BAR_STEP;
  return html`<svg class="bars" viewBox="0 0 ${width} ${BAR_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}"><rect width="${width}" height="${BAR_HEIGHT}" fill="url(#bar-day)"/>${marked}</svg>
<p class="bars-legend muted small"><span>${h.days.length} days ago</span><span>${uptimeText(h)}</span><span>Today</span></p>`;
}

function uptimeText(h: ComponentHistory): string {
  const fmt = (v: number | null) => (v === null ? "no data" : `${v} %`);
  return `Uptime 30 d ${fmt(h.uptime30)} · 90 d ${fmt(h.uptime90)}`;
}

function dayTitle(d: DayHistory): string {
  const date = formatDateKey(d.date);
  if (!d.worst) return `${date}: no data`;
  const parts = (Object.entries(d.durations) as [ComponentStatus, number][])
    .filter(([s]) => s !== "operational")
    .sort((a, b) => b[1] - a[1])
    .map(([s, ms]) => `${componentStatusLabel[s].toLowerCase()} ${formatDuration(ms)}`);
  return `${date}: ${parts.length ? parts.join(", ") : "operational"}`;
}

/** One month of the history page. */
export function historyMonthHtml(month: string, items: readonly Incident[]): SafeHtml {
  return html`<section class="month" aria-labelledby="m-${month}">
<h2 id="m-${month}">${formatMonthKey(month)}</h2>
${items.length === 0
    ? html`<p class="muted">No incidents or maintenance reported this month.</p>`
    : html`<ul class="history-list">${items.map(historyItemHtml)}</ul>`}
</section>`;
}

function historyItemHtml(i: Incident): SafeHtml {
  const latest = i.updates[0];
  const start = i.kind === "maintenance" ? (i.scheduledFor ?? i.startedAt) : i.startedAt;
  const end = i.kind === "maintenance" ? (i.scheduledUntil ?? i.resolvedAt) : i.resolvedAt;
  return html`<li class="card incident impact-${i.impact}">
<h3><a href="${incidentHref(i)}">${i.name}</a></h3>
<p class="update-meta"><strong>${incidentStatusLabel[i.status]}</strong> · ${i.kind === "maintenance" ? "Maintenance" : `${impactLabel[i.impact]} impact`} · ${timeHtml(start)}${end ? html` to ${timeHtml(end)}` : ""}</p>
${latest ? html`<p class="muted">${excerpt(latest.body)}</p>` : ""}
</li>`;
}

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The whole of one incident or maintenance: its timeline of updates. */
export function incidentDetailHtml(i: Incident, components: ReadonlyMap<string, Component>): SafeHtml {
  const affected = i.componentIds.flatMap((id) => (components.get(id) ? [components.get(id)!.name] : []));
  const isMaintenance = i.kind === "maintenance";
  return html`<p class="incident-meta">
<span class="pill impact-${i.impact}">${isMaintenance ? "Maintenance" : `${impactLabel[i.impact]} impact`}</span>
<span class="pill">${incidentStatusLabel[i.status]}</span>
</p>
${isMaintenance && i.scheduledFor && i.scheduledUntil ? html`<p>Scheduled for ${timeHtml(i.scheduledFor)} to ${timeHtml(i.scheduledUntil)}.</p>` : ""}
${affected.length > 0 ? html`<p>Affected: ${affected.join(", ")}.</p>` : ""}
${i.postmortemSlug ? html`<p><a href="/postmortems/${i.postmortemSlug}">Read the postmortem</a></p>` : ""}
<ol class="timeline">${i.updates.map(
    (u) => html`<li class="card">
<h2 class="update-status">${incidentStatusLabel[u.status]}</h2>
${paragraphs(u.body)}
${u.affected.length > 0
      ? html`<p class="muted small">${u.affected.map((a, n) => html`${n > 0 ? "; " : ""}${a.name}: ${a.oldStatus === a.newStatus ? componentStatusLabel[a.newStatus] : `${componentStatusLabel[a.oldStatus]} → ${componentStatusLabel[a.newStatus]}`}`)}</p>`
      : ""}
<p class="muted small">Posted ${timeHtml(u.displayAt)}</p>
</li>`,
  )}</ol>`;
}
