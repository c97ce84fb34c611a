// The dashboard (/admin): what needs a human now. Open alerts with their escalation state, who
// is on call now and next, unacknowledged reports, and when each path to on-call last proved
// itself (GET /api/admin/assurance's data). Alerts can be acknowledged and resolved from here.
import { Hono } from "hono";
import { hasScope } from "../../contract/staff";
import { acknowledgeAlert, resolveAlert } from "../alerts/lifecycle";
import { reportsPhrase } from "../alerts/message.pure";
import { listAlerts, type Alert } from "../alerts/queries";
import { listChecks, type AssuranceCheck } from "../assurance/queries";
import { assurancePanel } from "./assurance-panel";
import { loadActiveConfig } from "../oncall/queries";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { findReportById, listReports, type Report } from "../reports/queries";
import { auditStatement } from "../staff/queries";
import { requireScope } from "../staff/auth";
import { loadStatusOverview } from "./incident-routes";
import { actionButton, ago, flashFrom, redirect, renderConsolePage, tag, time, type Tone } from "./layout";
import { rotationSummary, rotationsNow } from "./oncall-routes";

/** Checks on the paging path itself: stale within minutes means pages may not go out. */
const CORE_CHECKS = new Set(["cron", "queue"]);
const CORE_STALE_MS = 10 * 60_000;
const OTHER_STALE_MS = 24 * 3_600_000;

export function checkTone(ch: AssuranceCheck, now: Date): Tone {
  const verified = ch.lastVerifiedAt ? Date.parse(ch.lastVerifiedAt) : null;
  const failed = ch.lastErrorAt ? Date.parse(ch.lastErrorAt) : null;
  if (failed !== null && (verified === null || failed > verified)) return "bad";
  if (verified === null) return "warn";
  const age = now.getTime() - verified;
  if (CORE_CHECKS.has(ch.name)) return age > CORE_STALE_MS ? "bad" : "ok";
  return age > OTHER_STALE_MS ? "warn" : "ok";
}

function assuranceView(checks: AssuranceCheck[], now: Date): SafeHtml {
  if (checks.length === 0) return html`<p class="empty">No path has reported yet (the cron records the first ones within a minute).</p>`;
  const order: Record<Tone, number> = { bad: 0, warn: 1, info: 2, none: 3, ok: 4 };
  const sorted = [...checks].sort((a, b) => order[checkTone(a, now)] - order[checkTone(b, now)] || a.name.localeCompare(b.name));
  return html`<ul class="items">${sorted.map((ch) => {
    const tone = checkTone(ch, now);
    return html`<li class="item" data-tone="${tone}">
      <h3><code>${ch.name}</code> ${tag(tone === "ok" ? "working" : tone === "bad" ? "failing" : "unverified", tone)}</h3>
      <p class="meta"><span>Last verified ${time(ch.lastVerifiedAt)}${ch.lastVerifiedAt ? ` (${ago(ch.lastVerifiedAt, now)})` : ""}</span></p>
      ${ch.lastError ? html`<p class="meta"><span>Last error ${time(ch.lastErrorAt)}: ${ch.lastError}</span></p>` : ""}
    </li>`;
  })}</ul>`;
}

function escalationLine(a: Alert, now: Date): SafeHtml {
  if (a.state === "acknowledged") return html`Acknowledged by ${a.acknowledgedBy ?? "someone"} ${time(a.acknowledgedAt)}`;
  if (a.heldBy) return html`Held behind another alert of the same policy: told in digests, pages when that one is taken`;
  const plan = a.plan;
  if (!plan) return html`Not routed to anyone: check the on-call routing`;
  if (a.level < 0) return html`Paging starts now`;
  const levels = plan.levels.length;
  const paged = plan.levels[a.level]?.targets.map((t) => t.name).join(", ") || "nobody";
  const next = a.nextEscalationAt
    ? html`; next escalation ${time(a.nextEscalationAt)} (${ago(a.nextEscalationAt, now)})${a.level + 1 < levels ? html` to ${plan.levels[a.level + 1]!.targets.map((t) => t.name).join(", ") || "nobody"}` : " (the policy starts again)"}`
    : html`; no further escalation`;
  return html`Level ${a.level + 1} of ${levels}, round ${a.round + 1} of ${plan.repeat + 1}: paged ${paged}${next}`;
}

function alertsView(staff: StaffPrincipal, alerts: Alert[], reports: Map<string, Report>, now: Date): SafeHtml {
  if (alerts.length === 0) return html`<p class="empty">No open alerts.</p>`;
  const canAct = hasScope(staff.scopes, "reports:write");
  return html`<ul class="items">${alerts.map((a) => {
    const first = reports.get(a.firstReportId);
    return html`<li class="item" data-tone="${a.state === "triggered" ? (a.heldBy ? "warn" : "bad") : "info"}">
      <h3>${a.subject}</h3>
      <p class="meta">
        <span>${tag(a.state === "triggered" ? (a.heldBy ? "held" : "paging") : "acknowledged", a.state === "triggered" ? "bad" : "info")}</span>
        <span>Code <code>${a.ackCode}</code></span>
        <span>${reportsPhrase(a.reportCount)}</span>
        <span>urgency ${a.urgency}</span>
        <span>raised ${time(a.createdAt)} (${ago(a.createdAt, now)})</span>
      </p>
      <p>${escalationLine(a, now)}</p>
      ${first ? html`<p><a href="/admin/reports/${first.reference}">First report ${first.reference}</a></p>` : ""}
      ${
        canAct
          ? html`<div class="actions">
              ${a.state === "triggered" ? actionButton(staff, `/admin/alerts/${a.id}/ack`, "Acknowledge") : ""}
              ${actionButton(staff, `/admin/alerts/${a.id}/resolve`, "Resolve", { style: "secondary" })}
            </div>`
          : ""
      }
    </li>`;
  })}</ul>`;
}

function reportsView(reports: Report[], now: Date): SafeHtml {
  if (reports.length === 0) return html`<p class="empty">Every report has been acknowledged.</p>`;
  return html`<ul class="items">${reports.map(
    (r) => html`<li class="item" data-tone="${r.urgency === "critical" ? "bad" : "warn"}">
      <h3><a href="/admin/reports/${r.reference}">${r.subject}</a></h3>
      <p class="meta"><span><code>${r.reference}</code></span><span>${r.channel}</span><span>${r.urgency}</span><span>${time(r.createdAt)} (${ago(r.createdAt, now)})</span>${r.reporter.name ? html`<span>${r.reporter.name}</span>` : ""}</p>
    </li>`,
  )}</ul>`;
}

async function closeAlertFromConsole(env: Env, svc: Parameters<typeof acknowledgeAlert>[0], staff: StaffPrincipal, id: string, to: "acknowledged" | "resolved") {
  const now = new Date();
  const by = {
    actor: staff.name,
    via: "console",
    extra: (alertId: string) => [
      auditStatement(env.DB, { actor: staff.name, actorId: staff.actorId, action: to === "acknowledged" ? "alert.acknowledge" : "alert.resolve", target: alertId, after: { state: to }, now }),
    ],
  };
  const outcome = to === "acknowledged" ? await acknowledgeAlert(svc, id, by, now) : await resolveAlert(svc, id, by, now);
  if (!outcome) throw new ApiError("not_found", "No alert has this id.");
  return redirect(`/admin?done=${to === "acknowledged" ? "alert-acknowledged" : "alert-resolved"}`);
}

export const dashboardRoutes = new Hono<AppEnv>()
  .get("/admin", async (c) => {
    const staff = c.get("staff");
    const db = c.env.DB;
    const now = new Date();
    const canRead = hasScope(staff.scopes, "reports:read");
    const [triggered, acknowledged, unacked, checks, stored, status, assurance] = await Promise.all([
      canRead ? listAlerts(db, { state: "triggered", limit: 50 }) : Promise.resolve([]),
      canRead ? listAlerts(db, { state: "acknowledged", limit: 20 }) : Promise.resolve([]),
      canRead ? listReports(db, { state: "new", limit: 20 }) : Promise.resolve([]),
      listChecks(db),
      loadActiveConfig(db, { lenient: true }),
      loadStatusOverview(db),
      assurancePanel(c.env, staff, now),
    ]);
    const alerts = [...triggered, ...acknowledged];
    const firsts = new Map<string, Report>();
    await Promise.all(
      [...new Set(alerts.map((a) => a.firstReportId))].slice(0, 70).map(async (id) => {
        const r = await findReportById(db, id);
        if (r) firsts.set(id, r);
      }),
    );
    const rotations = stored ? rotationsNow(stored, now) : [];
    const openIncidents = status.open.filter((i) => i.kind === "incident");
    const main = html`<h1>Dashboard</h1>
      <p class="muted">${time(now.toISOString())}. ${openIncidents.length === 0 ? "No open incident on the status page." : html`<a href="/admin/incidents">${openIncidents.length} open incident${openIncidents.length === 1 ? "" : "s"}</a> on the status page.`}</p>
      <div class="grid2">
        ${canRead ? html`<section><h2>Open alerts (${alerts.length})</h2>${alertsView(staff, alerts, firsts, now)}</section>` : ""}
        <section><h2>On call</h2>${stored ? rotationSummary(rotations, now) : html`<p class="empty">No on-call configuration yet.</p>`} <p><a href="/admin/oncall">Rotations, take over, the doctor</a></p></section>
        ${canRead ? html`<section><h2>Unacknowledged reports (${unacked.length}${unacked.length === 20 ? "+" : ""})</h2>${reportsView(unacked, now)} <p><a href="/admin/reports?state=new">All new reports</a></p></section>` : ""}
        <section><h2>Paths to on-call</h2><p class="muted small">When each intake path and on-call channel last worked end to end.</p>${assuranceView(checks, now)}</section>
        ${assurance}
      </div>`;
    return renderConsolePage(c.env, c.req.url, { title: "Dashboard", nav: "dashboard", staff, main, flash: flashFrom(c.req.url) });
  })
  .post("/admin/alerts/:id/ack", requireScope("reports:write"), (c) => closeAlertFromConsole(c.env, c.get("services"), c.get("staff"), c.req.param("id"), "acknowledged"))
  .post("/admin/alerts/:id/resolve", requireScope("reports:write"), (c) => closeAlertFromConsole(c.env, c.get("services"), c.get("staff"), c.req.param("id"), "resolved"));
