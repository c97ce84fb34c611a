// The dashboard's assurance panel: what is drifting now (one line per broken thing, as paged),
// the weekly human-path check (last result, next test page), and reports as a signal: the
// components customers are reporting right now, each with the one tap that says so on the
// status page, and the notices shown, each with the tap that takes it down.
import { Hono, type Context } from "hono";
import * as z from "zod";
import { hasScope } from "../../contract/staff";
import { nextSlot } from "../assurance/watch/human-check.pure";
import { latestHumanCheck, listOpenDrifts, type DriftRow, type HumanCheck } from "../assurance/watch/queries";
import { readWatchSettings } from "../assurance/watch/settings";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { requireScope } from "../staff/auth";
import { auditStatement } from "../staff/queries";
import { forgetVersion } from "../status/cache";
import { findComponents, hideReportSignal, loadComponents, loadReportSignalData, showReportSignal } from "../status/queries";
import { pendingSignals, readReportSignalSettings, reportSignalNotices } from "../status/report-signal.pure";
import { formOf } from "./forms";
import { actionButton, ago, redirect, tag, time } from "./layout";

/** A staff tap shows the notice this long (taken down earlier with the other tap). */
const SHOWN_FOR_MS = 2 * 3_600_000;

function driftsView(drifts: DriftRow[], now: Date): SafeHtml {
  if (drifts.length === 0) return html`<p class="empty">Nothing is drifting: every path and channel that ran recently worked.</p>`;
  return html`<ul class="items">${drifts.map(
    (d) => html`<li class="item" data-tone="bad"><h3>${d.subject}</h3><p class="meta"><span>${tag(d.kind, "bad")}</span><span>since ${time(d.openedAt)} (${ago(d.openedAt, now)})</span></p></li>`,
  )}</ul>`;
}

function humanView(last: HumanCheck | null, next: Date | null, now: Date): SafeHtml {
  const result = !last
    ? html`<p class="empty">No test page yet.</p>`
    : last.state === "acknowledged"
      ? html`<p>${tag("acknowledged", "ok")} The last test page (${time(last.startedAt)}) was acknowledged in time.</p>`
      : last.state === "waiting"
        ? html`<p>${tag("waiting", "warn")} A test page went out ${ago(last.startedAt, now)}: acknowledge it by ${time(last.dueAt)}.</p>`
        : html`<p>${tag("not acknowledged", "bad")} Nobody acknowledged the test page of ${time(last.startedAt)} in time: its channels are unverified.</p>`;
  return html`${result}<p class="muted small">${next ? html`Next test page ${time(next.toISOString())}.` : "HUMAN_CHECK_CRON is not a valid schedule: no test pages go out."}</p>`;
}

export async function assurancePanel(env: Env, staff: StaffPrincipal, now: Date): Promise<SafeHtml> {
  const db = env.DB;
  const settings = readReportSignalSettings(env);
  const watch = readWatchSettings(env);
  const [drifts, last, data, { components }] = await Promise.all([
    listOpenDrifts(db),
    latestHumanCheck(db),
    loadReportSignalData(db, new Date(now.getTime() - settings.windowMinutes * 60_000), now),
    loadComponents(db),
  ]);
  const input = { settings, now: now.getTime(), components, ...data };
  const shown = reportSignalNotices(input);
  const pending = pendingSignals(input);
  const canPublish = hasScope(staff.scopes, "status:write");
  const signals: SafeHtml[] = [
    ...shown.map(
      (n) => html`<li class="item" data-tone="info"><h3>${n.label}</h3><p class="meta"><span>${tag(n.reason === "staff" ? "shown by staff" : "shown (opted in)", "info")}</span></p>${
        canPublish && n.reason === "staff" ? html`<div class="actions">${actionButton(staff, "/admin/report-signals/hide", "Take it down", { style: "secondary", hidden: { key: n.subjectKey } })}</div>` : ""
      }</li>`,
    ),
    ...pending.map(
      (p) => html`<li class="item" data-tone="warn"><h3>${p.name}</h3><p class="meta"><span>${p.count} reporters in ${settings.windowMinutes} min</span></p>${
        canPublish ? html`<div class="actions">${actionButton(staff, "/admin/report-signals/show", "Say so on the status page", { hidden: { component: p.componentId } })}</div>` : ""
      }</li>`,
    ),
  ];
  return html`<section><h2>Assurance</h2>
    <h3>Drifting now (${drifts.length})</h3>${driftsView(drifts, now)}
    <h3>Weekly test page</h3>${humanView(last, nextSlot(watch.humanCheck, now.getTime()), now)}
    <h3>Customers reporting</h3>${signals.length === 0 ? html`<p class="empty">No component has ${settings.threshold} or more reporters in the last ${settings.windowMinutes} minutes.</p>` : html`<ul class="items">${signals}</ul>`}
  </section>`;
}

const ShowForm = z.object({ component: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/) });
const HideForm = z.object({ key: z.string().min(1).max(80).regex(/^(component|alert):[A-Za-z0-9_-]+$/) });

function form<T>(c: Context<AppEnv>, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(Object.fromEntries(formOf(c)));
  if (!parsed.success) throw new ApiError("bad_request", "That form was not filled in as the dashboard sends it.");
  return parsed.data;
}

export const assurancePanelRoutes = new Hono<AppEnv>()
  .post("/admin/report-signals/show", requireScope("status:write"), async (c) => {
    const staff = c.get("staff");
    const { component } = form(c, ShowForm);
    const [found] = await findComponents(c.env.DB, [component]);
    if (!found) throw new ApiError("not_found", "There is no such component.");
    const now = new Date();
    await showReportSignal(c.env.DB, { subjectKey: `component:${component}`, label: found.name, by: staff.name, now, until: new Date(now.getTime() + SHOWN_FOR_MS) });
    forgetVersion(c.env.DB);
    await auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "report-signal.show", target: component, after: { label: found.name }, now }).run();
    return redirect("/admin?done=report-signal-shown");
  })
  .post("/admin/report-signals/hide", requireScope("status:write"), async (c) => {
    const staff = c.get("staff");
    const { key } = form(c, HideForm);
    await hideReportSignal(c.env.DB, key);
    forgetVersion(c.env.DB);
    await auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "report-signal.hide", target: key, now: new Date() }).run();
    return redirect("/admin?done=report-signal-hidden");
  });
