// Status in the console: open an incident (from a template), post updates with their status
// and affected components in one form with a preview, schedule maintenance, change a
// component's status in one tap. Writes go through the status capability's write functions
// (functions/status/writes.ts: one D1 batch each, audited, cache version bumped). With every
// update staff choose whether to notify subscribers and post to the social accounts: the choice
// goes into the write (`notify`), its status.published event carries it to the subscribers and
// social rooms, and the timeline shows how far each has got (delivery-progress.ts).
import { Hono, type Context } from "hono";
import * as z from "zod";
import {
  componentStatuses,
  componentStatusLabel,
  CreateIncidentInput,
  CreateMaintenanceInput,
  impactLabel,
  incidentStatusLabel,
  maintenanceStatuses,
  PostIncidentUpdateInput,
  type ComponentStatus,
} from "../../contract/status";
import { hasScope } from "../../contract/staff";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { forgetVersion } from "../status/cache";
import type { Component, ComponentGroup, Incident } from "../status/model.pure";
import { getIncident, listIncidents, loadComponents, loadCurrentStatus } from "../status/queries";
import { createIncident, createMaintenance, postIncidentUpdate, setComponentStatus } from "../status/writes";
import { requireScope } from "../staff/auth";
import { deliveriesOfIncident, deliveryLines } from "./delivery-progress";
import { checkForm, formOf } from "./forms";
import { findTemplate, incidentTemplates } from "./incident-templates";
import { ago, csrfField, flashFrom, redirect, renderConsolePage, tag, time, type Tone } from "./layout";

type Ctx = Context<AppEnv>;

export function loadStatusOverview(db: D1Database) {
  return loadCurrentStatus(db);
}

const statusTone: Record<ComponentStatus, Tone> = {
  operational: "ok",
  degraded_performance: "warn",
  partial_outage: "bad",
  major_outage: "bad",
  under_maintenance: "info",
};

const impactTone: Record<string, Tone> = { none: "none", minor: "warn", major: "bad", critical: "bad", maintenance: "info" };

/** Staff text as the status page shows it: blank lines make paragraphs, newlines breaks. */
function paragraphs(text: string): SafeHtml {
  return html`${text
    .trim()
    .split(/\n\s*\n/)
    .map((b) => html`<p>${b.split("\n").map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>`)}`;
}

// ---- form state -----------------------------------------------------------------------------

interface UpdateFormValues {
  name: string;
  status: string;
  impact: string;
  body: string;
  postmortemSlug: string;
  components: Record<string, string>;
  notifySubscribers: boolean;
  postSocial: boolean;
}

function valuesFrom(form: URLSearchParams): UpdateFormValues {
  const components: Record<string, string> = {};
  for (const [key, value] of form) if (key.startsWith("component.") && value) components[key.slice("component.".length)] = value;
  return {
    name: form.get("name") ?? "",
    status: form.get("status") ?? "",
    impact: form.get("impact") ?? "",
    body: form.get("body") ?? "",
    postmortemSlug: form.get("postmortem_slug") ?? "",
    components,
    notifySubscribers: form.get("notify_subscribers") === "1",
    postSocial: form.get("post_social") === "1",
  };
}

/** The component changes a form asks for; unknown ids or statuses are field errors. */
function componentChanges(values: UpdateFormValues, known: Map<string, Component>): { changes: Record<string, ComponentStatus>; errors: Record<string, string> } {
  const changes: Record<string, ComponentStatus> = {};
  const errors: Record<string, string> = {};
  for (const [id, status] of Object.entries(values.components)) {
    if (!known.has(id)) errors[`component.${id}`] = "There is no such component.";
    else if (!(componentStatuses as readonly string[]).includes(status)) errors[`component.${id}`] = "Choose a status from the list.";
    else changes[id] = status as ComponentStatus;
  }
  return { changes, errors };
}

function errorFor(errors: Record<string, string>, ...keys: string[]): SafeHtml | string {
  const message = keys.map((k) => errors[k]).find(Boolean);
  return message ? html`<p class="field-error" id="${keys[0]}-error">${message}</p>` : "";
}

function invalid(errors: Record<string, string>, key: string): SafeHtml | string {
  return errors[key] ? html` aria-invalid="true" aria-describedby="${key}-error"` : "";
}

function option(value: string, label: string, chosen: string): SafeHtml {
  return html`<option value="${value}"${value === chosen ? html` selected` : ""}>${label}</option>`;
}

function componentPicker(groups: ComponentGroup[], components: Component[], chosen: Record<string, string>, errors: Record<string, string>): SafeHtml {
  const byGroup = new Map<string | null, Component[]>();
  for (const c of components) byGroup.set(c.groupId, [...(byGroup.get(c.groupId) ?? []), c]);
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const sections = [...byGroup.entries()].map(
    ([groupId, list]) => html`${groupId ? html`<p class="muted small">${groupName.get(groupId) ?? groupId}</p>` : ""}${list.map(
      (c) => html`<div class="component-choice">
        <label for="component-${c.id}">${c.name} <span class="muted small">now ${componentStatusLabel[c.status]}</span></label>
        <select id="component-${c.id}" name="component.${c.id}"${invalid(errors, `component.${c.id}`)}>
          ${option("", "No change", chosen[c.id] ?? "")}
          ${componentStatuses.map((s) => option(s, componentStatusLabel[s], chosen[c.id] ?? ""))}
        </select>
        ${errorFor(errors, `component.${c.id}`)}
      </div>`,
    )}`,
  );
  return html`<fieldset><legend>Affected components</legend><div class="component-choices">${sections}</div></fieldset>`;
}

function announceChoices(values: Pick<UpdateFormValues, "notifySubscribers" | "postSocial">): SafeHtml {
  return html`<fieldset><legend>Tell people</legend>
    <label class="choice"><input type="checkbox" name="notify_subscribers" value="1"${values.notifySubscribers ? html` checked` : ""} /> <span>Notify subscribers (email and webhooks)</span></label>
    <label class="choice"><input type="checkbox" name="post_social" value="1"${values.postSocial ? html` checked` : ""} /> <span>Post to our social accounts</span></label>
  </fieldset>`;
}

function previewBlock(p: { kind: "incident" | "maintenance"; name: string; status: string; impact: string; body: string; changes: Record<string, ComponentStatus>; components: Map<string, Component>; announce: Pick<UpdateFormValues, "notifySubscribers" | "postSocial"> }): SafeHtml {
  const affected = Object.entries(p.changes).map(([id, to]) => {
    const c = p.components.get(id)!;
    return html`${c.name}: ${c.status === to ? componentStatusLabel[to] : `${componentStatusLabel[c.status]} → ${componentStatusLabel[to]}`}`;
  });
  const statusLabel = incidentStatusLabel[p.status as keyof typeof incidentStatusLabel] ?? p.status;
  const tell = [p.announce.notifySubscribers ? "subscribers are notified" : "subscribers are not notified", p.announce.postSocial ? "it is posted to the social accounts" : "nothing is posted to social accounts"];
  return html`<section class="preview" aria-labelledby="preview-title">
    <h2 id="preview-title">Preview: as the status page will show it (nothing is posted yet)</h2>
    <article class="card incident impact-${p.kind === "maintenance" ? "maintenance" : p.impact}">
      <h3>${p.name}</h3>
      <p class="incident-meta">${p.kind === "incident" && p.impact ? html`<span class="pill impact-${p.impact}">${impactLabel[p.impact as keyof typeof impactLabel] ?? p.impact} impact</span> ` : ""}<span class="pill">${statusLabel}</span></p>
      ${paragraphs(p.body)}
      ${affected.length > 0 ? html`<p class="muted small">${affected.map((a, i) => html`${i > 0 ? "; " : ""}${a}`)}</p>` : ""}
    </article>
    <p class="small">When posted: ${tell.join(", ")}.</p>
  </section>`;
}

// ---- pages ----------------------------------------------------------------------------------

function incidentListItem(i: Incident, now: Date): SafeHtml {
  const latest = i.updates[0];
  return html`<li class="item" data-tone="${i.kind === "maintenance" ? "info" : (impactTone[i.impact] ?? "none")}">
    <h3><a href="/admin/incidents/${i.id}">${i.name}</a></h3>
    <p class="meta">
      <span>${tag(incidentStatusLabel[i.status], i.kind === "maintenance" ? "info" : "warn")}</span>
      ${i.kind === "incident" ? html`<span>${impactLabel[i.impact]} impact</span>` : html`<span>${time(i.scheduledFor)} to ${time(i.scheduledUntil)}</span>`}
      <span>${i.kind === "incident" ? "started" : "created"} ${time(i.startedAt)} (${ago(i.startedAt, now)})</span>
    </p>
    ${latest ? html`<p>${latest.body.length > 200 ? `${latest.body.slice(0, 200)}…` : latest.body}</p>` : ""}
  </li>`;
}

function componentsSection(staff: StaffPrincipal, groups: ComponentGroup[], components: Component[]): SafeHtml {
  const canWrite = hasScope(staff.scopes, "status:write");
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  return html`<ul class="items">${components.map(
    (c) => html`<li class="item" data-tone="${statusTone[c.status]}">
      <h3>${c.name} <span class="muted small">${c.groupId ? groupName.get(c.groupId) : ""}</span></h3>
      <p class="meta"><span>${tag(componentStatusLabel[c.status], statusTone[c.status])}</span><span>since ${time(c.updatedAt)}</span></p>
      ${
        canWrite
          ? html`<form class="buttons" method="post" action="/admin/components/${c.id}">
              ${csrfField(staff)}
              <label class="sr-only" for="quick-${c.id}">New status of ${c.name}</label>
              <select id="quick-${c.id}" name="status">${componentStatuses.map((s) => option(s, componentStatusLabel[s], c.status))}</select>
              <button type="submit" class="button small secondary">Set</button>
            </form>`
          : ""
      }
    </li>`,
  )}</ul>`;
}

async function incidentsPage(c: Ctx): Promise<Response> {
  const staff = c.get("staff");
  const now = new Date();
  const db = c.env.DB;
  const [status, recent] = await Promise.all([loadCurrentStatus(db), listIncidents(db, { kind: "incident", statuses: ["resolved", "postmortem"], limit: 10 })]);
  const canWrite = hasScope(staff.scopes, "status:write");
  const open = status.open.filter((i) => i.kind === "incident");
  const maintenance = status.open.filter((i) => i.kind === "maintenance");
  const main = html`<h1>Incidents and status</h1>
    ${
      canWrite
        ? html`<section class="card"><h2>Open an incident</h2>
            <ul class="buttons">${incidentTemplates.map((t) => html`<li><a class="button small${t.id === "blank" ? " secondary" : ""}" href="/admin/incidents/new?template=${t.id}">${t.label}</a></li>`)}</ul>
            <p><a href="/admin/maintenance/new">Schedule maintenance</a></p>
          </section>`
        : html`<p class="muted">Your role reads status; posting it needs the publisher role.</p>`
    }
    <div class="grid2">
      <section><h2>Open incidents (${open.length})</h2>${open.length ? html`<ul class="items">${open.map((i) => incidentListItem(i, now))}</ul>` : html`<p class="empty">None.</p>`}</section>
      <section><h2>Maintenance (${maintenance.length})</h2>${maintenance.length ? html`<ul class="items">${maintenance.map((i) => incidentListItem(i, now))}</ul>` : html`<p class="empty">None scheduled.</p>`}</section>
      <section id="components"><h2>Components</h2>${componentsSection(staff, status.groups, status.components)}</section>
      <section><h2>Recently resolved</h2>${recent.length ? html`<ul class="items">${recent.map((i) => incidentListItem(i, now))}</ul>` : html`<p class="empty">None.</p>`}</section>
    </div>`;
  return renderConsolePage(c.env, c.req.url, { title: "Incidents", nav: "incidents", staff, main, flash: flashFrom(c.req.url) });
}

async function newIncidentPage(c: Ctx, values: UpdateFormValues, extra: { errors?: Record<string, string>; preview?: SafeHtml; status?: number } = {}): Promise<Response> {
  const staff = c.get("staff");
  const { groups, components } = await loadComponents(c.env.DB);
  const errors = extra.errors ?? {};
  const main = html`<p class="crumbs"><a href="/admin/incidents">Incidents</a></p>
    <h1>Open an incident</h1>
    ${extra.preview ?? ""}
    ${Object.keys(errors).length > 0 ? html`<div class="flash" data-kind="error" role="alert"><p>Please correct: ${Object.values(errors).join(" ")}</p></div>` : ""}
    <form class="console-form card" method="post" action="/admin/incidents" novalidate>
      ${csrfField(staff)}
      <div class="field">
        <label for="name">Title (public)</label>
        <input type="text" id="name" name="name" value="${values.name}" maxlength="200" required${invalid(errors, "name")} />
        ${errorFor(errors, "name")}
      </div>
      <div class="field">
        <label for="status">Status</label>
        <select id="status" name="status">${(["investigating", "identified", "monitoring", "resolved"] as const).map((s) => option(s, incidentStatusLabel[s], values.status))}</select>
      </div>
      <div class="field">
        <label for="impact">Impact</label>
        <select id="impact" name="impact">${(["none", "minor", "major", "critical"] as const).map((s) => option(s, impactLabel[s], values.impact))}</select>
      </div>
      <div class="field">
        <label for="body">What is happening (public)</label>
        <textarea id="body" name="body" rows="6" maxlength="10000" required${invalid(errors, "body")}>${values.body}</textarea>
        ${errorFor(errors, "body")}
      </div>
      ${componentPicker(groups, components, values.components, errors)}
      ${announceChoices(values)}
      <p class="buttons">
        <button type="submit" name="intent" value="preview" class="button secondary">Preview</button>
        <button type="submit" name="intent" value="post" class="button">Open the incident</button>
      </p>
    </form>`;
  return renderConsolePage(c.env, c.req.url, { title: "Open an incident", nav: "incidents", staff, main, status: extra.status });
}

function updateForm(staff: StaffPrincipal, i: Incident, groups: ComponentGroup[], components: Component[], values: UpdateFormValues, errors: Record<string, string>): SafeHtml {
  const statuses = i.kind === "maintenance" ? maintenanceStatuses : (["investigating", "identified", "monitoring", "resolved", "postmortem"] as const);
  return html`<form class="console-form card" method="post" action="/admin/incidents/${i.id}/updates" novalidate>
    ${csrfField(staff)}
    <div class="field">
      <label for="status">Status</label>
      <select id="status" name="status">${statuses.map((s) => option(s, incidentStatusLabel[s], values.status))}</select>
      <p class="hint">Resolving (or completing) without choosing components sets the affected ones back to operational.</p>
    </div>
    ${
      i.kind === "incident"
        ? html`<div class="field">
            <label for="impact">Impact</label>
            <select id="impact" name="impact">${option("", `Keep (${impactLabel[i.impact]})`, values.impact)}${(["none", "minor", "major", "critical"] as const).map((s) => option(s, impactLabel[s], values.impact))}</select>
          </div>`
        : ""
    }
    <div class="field">
      <label for="body">Update (public)</label>
      <textarea id="body" name="body" rows="5" maxlength="10000" required${invalid(errors, "body")}>${values.body}</textarea>
      ${errorFor(errors, "body")}
    </div>
    ${componentPicker(groups, components, values.components, errors)}
    ${
      i.kind === "incident"
        ? html`<div class="field">
            <label for="postmortem_slug">Postmortem <span class="req">(optional: its slug, src/content/postmortems/&lt;slug&gt;.md)</span></label>
            <input type="text" id="postmortem_slug" name="postmortem_slug" value="${values.postmortemSlug}" maxlength="100" pattern="[a-z0-9][a-z0-9-]*"${invalid(errors, "postmortem_slug")} />
            ${errorFor(errors, "postmortem_slug")}
          </div>`
        : ""
    }
    ${announceChoices(values)}
    <p class="buttons">
      <button type="submit" name="intent" value="preview" class="button secondary">Preview</button>
      <button type="submit" name="intent" value="post" class="button">Post the update</button>
    </p>
  </form>`;
}

async function incidentPage(c: Ctx, values: UpdateFormValues | null, extra: { errors?: Record<string, string>; preview?: SafeHtml; status?: number } = {}): Promise<Response> {
  const staff = c.get("staff");
  const db = c.env.DB;
  const incident = await getIncident(db, c.req.param("id") ?? "");
  if (!incident) throw new ApiError("not_found", "There is no incident or maintenance with this id.");
  const [{ groups, components }, deliveries] = await Promise.all([
    loadComponents(db),
    deliveriesOfIncident(c.get("services"), incident.id, incident.updates.map((u) => u.id)),
  ]);
  const byId = new Map(components.map((x) => [x.id, x]));
  const now = new Date();
  const publicPath = `${incident.kind === "maintenance" ? "/maintenance/" : "/incidents/"}${incident.id}`;
  const form = values ?? {
    name: incident.name,
    status: incident.status,
    impact: "",
    body: "",
    postmortemSlug: incident.postmortemSlug ?? "",
    components: {},
    notifySubscribers: true,
    postSocial: false,
  };
  const main = html`<p class="crumbs"><a href="/admin/incidents">Incidents</a></p>
    <h1>${incident.name}</h1>
    <p class="meta buttons">
      ${tag(incidentStatusLabel[incident.status], incident.kind === "maintenance" ? "info" : "warn")}
      ${incident.kind === "incident" ? tag(`${impactLabel[incident.impact]} impact`, impactTone[incident.impact] ?? "none") : tag("Maintenance", "info")}
      <a href="${publicPath}">On the status page</a>
      ${incident.postmortemSlug ? html`<a href="/postmortems/${incident.postmortemSlug}">Postmortem</a>` : ""}
    </p>
    <dl class="kv">
      <div><dt>${incident.kind === "incident" ? "Started" : "Created"}</dt><dd>${time(incident.startedAt)} (${ago(incident.startedAt, now)})</dd></div>
      ${incident.scheduledFor ? html`<div><dt>Window</dt><dd>${time(incident.scheduledFor)} to ${time(incident.scheduledUntil)}</dd></div>` : ""}
      ${incident.resolvedAt ? html`<div><dt>${incident.kind === "incident" ? "Resolved" : "Completed"}</dt><dd>${time(incident.resolvedAt)}</dd></div>` : ""}
      <div><dt>Affected</dt><dd>${incident.componentIds.map((id) => byId.get(id)?.name ?? id).join(", ") || "none named"}</dd></div>
    </dl>
    <div class="grid2">
      <section>
        <h2>Post an update</h2>
        ${
          hasScope(staff.scopes, "status:write")
            ? html`${extra.preview ?? ""}
                ${Object.keys(extra.errors ?? {}).length > 0 ? html`<div class="flash" data-kind="error" role="alert"><p>Please correct: ${Object.values(extra.errors ?? {}).join(" ")}</p></div>` : ""}
                ${updateForm(staff, incident, groups, components, form, extra.errors ?? {})}`
            : html`<p class="muted">Posting updates needs the publisher role.</p>`
        }
      </section>
      <section>
        <h2>Timeline</h2>
        <ol class="timeline">${incident.updates.map(
          (u) => html`<li class="card">
            <h3 class="update-status">${incidentStatusLabel[u.status]}</h3>
            ${paragraphs(u.body)}
            ${u.affected.length > 0 ? html`<p class="muted small">${u.affected.map((a, n) => html`${n > 0 ? "; " : ""}${a.name}: ${a.oldStatus === a.newStatus ? componentStatusLabel[a.newStatus] : `${componentStatusLabel[a.oldStatus]} → ${componentStatusLabel[a.newStatus]}`}`)}</p>` : ""}
            <p class="muted small">Posted ${time(u.displayAt)}</p>
            ${deliveryLines(deliveries.get(u.id), c.get("services").channelSettings)}
          </li>`,
        )}</ol>
      </section>
    </div>`;
  return renderConsolePage(c.env, c.req.url, { title: incident.name, nav: "incidents", staff, main, status: extra.status, flash: flashFrom(c.req.url) });
}

function maintenanceValues(form: URLSearchParams | null) {
  return {
    name: form?.get("name") ?? "",
    body: form?.get("body") ?? "",
    scheduledFor: form?.get("scheduled_for") ?? "",
    scheduledUntil: form?.get("scheduled_until") ?? "",
    components: form?.getAll("components") ?? [],
    notifySubscribers: form ? form.get("notify_subscribers") === "1" : true,
    postSocial: form ? form.get("post_social") === "1" : false,
  };
}

async function maintenancePage(c: Ctx, values: ReturnType<typeof maintenanceValues>, extra: { errors?: Record<string, string>; status?: number } = {}): Promise<Response> {
  const staff = c.get("staff");
  const { components } = await loadComponents(c.env.DB);
  const errors = extra.errors ?? {};
  const main = html`<p class="crumbs"><a href="/admin/incidents">Incidents</a></p>
    <h1>Schedule maintenance</h1>
    ${Object.keys(errors).length > 0 ? html`<div class="flash" data-kind="error" role="alert"><p>Please correct: ${Object.values(errors).join(" ")}</p></div>` : ""}
    <form class="console-form card" method="post" action="/admin/maintenance" novalidate>
      ${csrfField(staff)}
      <div class="field">
        <label for="name">Title (public)</label>
        <input type="text" id="name" name="name" value="${values.name}" maxlength="200" required${invalid(errors, "name")} />
        ${errorFor(errors, "name")}
      </div>
      <div class="field">
        <label for="body">What happens, and what customers notice (public)</label>
        <textarea id="body" name="body" rows="4" maxlength="10000" required${invalid(errors, "body")}>${values.body}</textarea>
        ${errorFor(errors, "body")}
      </div>
      <div class="field">
        <label for="scheduled_for">Starts (UTC)</label>
        <input type="datetime-local" id="scheduled_for" name="scheduled_for" value="${values.scheduledFor}" required${invalid(errors, "scheduled_for")} />
        ${errorFor(errors, "scheduled_for")}
      </div>
      <div class="field">
        <label for="scheduled_until">Ends (UTC)</label>
        <input type="datetime-local" id="scheduled_until" name="scheduled_until" value="${values.scheduledUntil}" required${invalid(errors, "scheduled_until")} />
        ${errorFor(errors, "scheduled_until")}
      </div>
      <fieldset><legend>Components under maintenance</legend>
        ${components.map((x) => html`<label class="choice"><input type="checkbox" name="components" value="${x.id}"${values.components.includes(x.id) ? html` checked` : ""} /> <span>${x.name}</span></label>`)}
        ${errorFor(errors, "components")}
      </fieldset>
      ${announceChoices(values)}
      <p class="buttons"><button type="submit" class="button">Schedule</button></p>
    </form>`;
  return renderConsolePage(c.env, c.req.url, { title: "Schedule maintenance", nav: "incidents", staff, main, status: extra.status });
}

/** "2026-12-01T22:00" from a datetime-local field, read as UTC (the label says so). */
function utcFromLocalField(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value;
}

export const incidentConsoleRoutes = new Hono<AppEnv>()
  .get("/admin/incidents", (c) => incidentsPage(c))
  .get("/admin/incidents/new", requireScope("status:write"), (c) => {
    const template = findTemplate(c.req.query("template")) ?? findTemplate("blank")!;
    return newIncidentPage(c, {
      name: template.name,
      status: template.status,
      impact: template.impact,
      body: template.body,
      postmortemSlug: "",
      components: {},
      notifySubscribers: true,
      postSocial: false,
    });
  })
  .post("/admin/incidents", requireScope("status:write"), async (c) => {
    const staff = c.get("staff");
    const db = c.env.DB;
    const form = formOf(c);
    const values = valuesFrom(form);
    const { components } = await loadComponents(db);
    const known = new Map(components.map((x) => [x.id, x]));
    const { changes, errors: componentErrors } = componentChanges(values, known);
    const parsed = checkForm(CreateIncidentInput, { name: values.name, status: values.status, impact: values.impact, body: values.body, components: changes });
    const errors = { ...componentErrors, ...(parsed.ok ? {} : parsed.errors) };
    if (!parsed.ok || Object.keys(componentErrors).length > 0) return newIncidentPage(c, values, { errors, status: 400 });
    if (form.get("intent") !== "post") {
      const preview = previewBlock({ kind: "incident", name: parsed.value.name, status: parsed.value.status, impact: parsed.value.impact, body: parsed.value.body, changes, components: known, announce: values });
      return newIncidentPage(c, values, { preview });
    }
    const now = new Date();
    const id = await createIncident(c.get("services"), { ...parsed.value, notify: { subscribers: values.notifySubscribers, social: values.postSocial } }, staff.name, now);
    forgetVersion(db);
    return redirect(`/admin/incidents/${id}?done=incident-opened`);
  })
  .get("/admin/incidents/:id", (c) => incidentPage(c, null))
  .post("/admin/incidents/:id/updates", requireScope("status:write"), async (c) => {
    const staff = c.get("staff");
    const db = c.env.DB;
    const form = formOf(c);
    const values = valuesFrom(form);
    const incident = await getIncident(db, c.req.param("id"));
    if (!incident) throw new ApiError("not_found", "There is no incident or maintenance with this id.");
    const { components } = await loadComponents(db);
    const known = new Map(components.map((x) => [x.id, x]));
    const { changes, errors: componentErrors } = componentChanges(values, known);
    const input = {
      status: values.status,
      body: values.body,
      ...(Object.keys(changes).length > 0 ? { components: changes } : {}),
      ...(incident.kind === "incident" && values.impact ? { impact: values.impact } : {}),
      ...(incident.kind === "incident" && values.postmortemSlug.trim() !== (incident.postmortemSlug ?? "") ? { postmortem_slug: values.postmortemSlug.trim() || null } : {}),
    };
    const parsed = checkForm(PostIncidentUpdateInput, input);
    const errors = { ...componentErrors, ...(parsed.ok ? {} : parsed.errors) };
    if (!parsed.ok || Object.keys(componentErrors).length > 0) return incidentPage(c, values, { errors, status: 400 });
    if (form.get("intent") !== "post") {
      const preview = previewBlock({
        kind: incident.kind,
        name: incident.name,
        status: parsed.value.status,
        impact: parsed.value.impact ?? incident.impact,
        body: parsed.value.body,
        changes,
        components: known,
        announce: values,
      });
      return incidentPage(c, values, { preview });
    }
    const now = new Date();
    const { updateId } = await postIncidentUpdate(c.get("services"), incident.id, { ...parsed.value, notify: { subscribers: values.notifySubscribers, social: values.postSocial } }, staff.name, now);
    forgetVersion(db);
    return redirect(`/admin/incidents/${incident.id}?done=update-posted`);
  })
  .get("/admin/maintenance/new", requireScope("status:write"), (c) => maintenancePage(c, maintenanceValues(null)))
  .post("/admin/maintenance", requireScope("status:write"), async (c) => {
    const staff = c.get("staff");
    const db = c.env.DB;
    const form = formOf(c);
    const values = maintenanceValues(form);
    const parsed = checkForm(CreateMaintenanceInput, {
      name: values.name,
      body: values.body,
      scheduled_for: utcFromLocalField(values.scheduledFor),
      scheduled_until: utcFromLocalField(values.scheduledUntil),
      components: values.components,
    });
    if (!parsed.ok) return maintenancePage(c, values, { errors: parsed.errors, status: 400 });
    const now = new Date();
    const id = await createMaintenance(c.get("services"), { ...parsed.value, notify: { subscribers: values.notifySubscribers, social: values.postSocial } }, staff.name, now);
    forgetVersion(db);
    return redirect(`/admin/incidents/${id}?done=maintenance-scheduled`);
  })
  .post("/admin/components/:id", requireScope("status:write"), async (c) => {
    const status = z.enum(componentStatuses, "Choose a status from the list.").safeParse(formOf(c).get("status"));
    if (!status.success) throw new ApiError("validation_failed", "Choose a status from the list.", { fields: { status: "Unknown status." } });
    await setComponentStatus(c.get("services"), c.req.param("id"), status.data, c.get("staff").name, new Date());
    forgetVersion(c.env.DB);
    return redirect("/admin/incidents?done=component-changed#components");
  });
