// The reports inbox in the console: filter by state and channel, search (reference, subject,
// reporter), a thread with its files (attachments, voicemail audio with its transcript), the
// alert it raised, acknowledge, resolve and reply through the reporter's channel. The actions
// are the staff API's (functions/inbox/actions.ts), so both behave the same.
import { Hono, type Context } from "hono";
import * as z from "zod";
import { ReportChannel, ReportState, StaffReply } from "../../contract/reports";
import { hasScope } from "../../contract/staff";
import { listFilesOfReport, type StoredFile } from "../files/queries";
import { signedFileUrl } from "../files/store";
import { closeReport, replyToReporter } from "../inbox/actions";
import { listReplyDeliveriesOf, type ReplyDelivery } from "../inbox/queries";
import { replyRouteFor } from "../inbox/reply-senders";
import { alertDetails } from "../alerts/views";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { findReportByReference, listMessages, listReports, type Report, type ReportMessage } from "../reports/queries";
import { parseReference } from "../reports/reference";
import { requireScope } from "../staff/auth";
import { checkForm, formOf } from "./forms";
import { actionButton, ago, csrfField, flashFrom, redirect, renderConsolePage, tag, time, type Tone } from "./layout";

type Ctx = Context<AppEnv>;

const stateTone: Record<string, Tone> = { new: "bad", acknowledged: "info", resolved: "ok" };
const channelLabel: Record<string, string> = { web: "Web form", api: "API", email: "Email", phone: "Phone", sms: "SMS", x: "X", mastodon: "Mastodon", bluesky: "Bluesky" };

const Filters = z.object({
  state: z.union([ReportState, z.literal("")]).optional().transform((v) => v || undefined),
  channel: z.union([ReportChannel, z.literal("")]).optional().transform((v) => v || undefined),
  q: z
    .string()
    .max(100)
    .optional()
    .transform((v) => v?.trim() || undefined),
  before: z
    .string()
    .regex(/^[0-9TZ:.-]{20,30}~[0-9a-f-]{36}$/)
    .optional(),
});

function filtersForm(f: z.infer<typeof Filters>): SafeHtml {
  const option = (value: string, label: string, chosen: string | undefined) => html`<option value="${value}"${(chosen ?? "") === value ? html` selected` : ""}>${label}</option>`;
  return html`<form class="filters card" method="get" action="/admin/reports" role="search">
    <div class="field"><label for="q">Search</label><input type="search" id="q" name="q" value="${f.q ?? ""}" maxlength="100" placeholder="Reference, subject, name, email, phone" /></div>
    <div class="field"><label for="state">State</label><select id="state" name="state">${option("", "Any", f.state)}${ReportState.options.map((s) => option(s, s, f.state))}</select></div>
    <div class="field"><label for="channel">Channel</label><select id="channel" name="channel">${option("", "Any", f.channel)}${ReportChannel.options.map((ch) => option(ch, channelLabel[ch] ?? ch, f.channel))}</select></div>
    <button type="submit" class="button">Filter</button>
  </form>`;
}

function reportItem(r: Report, now: Date): SafeHtml {
  return html`<li class="item" data-tone="${stateTone[r.state] ?? "none"}">
    <h3><a href="/admin/reports/${r.reference}">${r.subject}</a></h3>
    <p class="meta">
      <span><code>${r.reference}</code></span>
      <span>${tag(r.state, stateTone[r.state] ?? "none")}</span>
      <span>${channelLabel[r.channel] ?? r.channel}</span>
      <span>${r.urgency}</span>
      <span>${time(r.createdAt)} (${ago(r.createdAt, now)})</span>
      ${r.reporter.name ? html`<span>${r.reporter.name}</span>` : ""}
      ${r.duplicateOf ? html`<span>${tag("duplicate", "warn")}</span>` : ""}
    </p>
  </li>`;
}

async function listPage(c: Ctx): Promise<Response> {
  const staff = c.get("staff");
  const now = new Date();
  const parsed = Filters.safeParse(c.req.query());
  if (!parsed.success) throw new ApiError("validation_failed", "Those filters are not valid; choose from the lists.");
  const f = parsed.data;
  const limit = 50;
  // A search that is a reference opens that report directly.
  const reference = f.q ? parseReference(f.q) : null;
  if (reference) {
    const exact = await findReportByReference(c.env.DB, reference);
    if (exact) return redirect(`/admin/reports/${exact.reference}`);
  }
  const after = f.before ? { createdAt: f.before.split("~")[0]!, id: f.before.split("~")[1]! } : undefined;
  const reports = await listReports(c.env.DB, { state: f.state, channel: f.channel, search: f.q, after, limit });
  const last = reports.length === limit ? reports.at(-1) : undefined;
  const nextParams = new URLSearchParams({ ...(f.state ? { state: f.state } : {}), ...(f.channel ? { channel: f.channel } : {}), ...(f.q ? { q: f.q } : {}) });
  if (last) nextParams.set("before", `${last.createdAt}~${last.id}`);
  const main = html`<h1>Reports</h1>
    ${filtersForm(f)}
    <h2 class="sr-only">Reports found</h2>
    <p class="muted" role="status">${reports.length === 0 ? "No reports match." : `${reports.length}${last ? "+" : ""} report${reports.length === 1 ? "" : "s"}, newest first.`}</p>
    <ul class="items">${reports.map((r) => reportItem(r, now))}</ul>
    ${last ? html`<p class="pagination"><a rel="next" href="/admin/reports?${nextParams.toString()}">Older reports</a></p>` : ""}`;
  return renderConsolePage(c.env, c.req.url, { title: "Reports", nav: "reports", staff, main, flash: flashFrom(c.req.url) });
}

function deliveryLine(d: ReplyDelivery | undefined): SafeHtml | string {
  if (!d) return "";
  const how = d.channel ? `by ${d.channel === "email" ? "email" : (channelLabel[d.channel] ?? d.channel)}` : "not sent";
  const states: Record<string, string> = { queued: "on its way", sending: "being sent", sent: "sent", failed: "failed", unavailable: "kept in the thread only" };
  return html`<p class="delivery">${states[d.state] ?? d.state} ${how}${d.sentAt ? html` ${time(d.sentAt)}` : ""}${d.error ? html`: ${d.error}` : ""}</p>`;
}

function threadView(messages: ReportMessage[], deliveries: Map<number, ReplyDelivery>): SafeHtml {
  const who: Record<string, string> = { reporter: "Reporter", staff: "Staff", system: "System" };
  return html`<ol class="thread">${messages.map(
    (m) => html`<li data-author="${m.author}">
      <p class="who">${m.author === "staff" ? (m.authorName ?? "Our team (no person named)") : m.author === "reporter" ? (m.authorName ?? "Reporter") : who[m.author]} ${time(m.createdAt)}</p>
      <p class="body">${m.body}</p>
      ${m.author === "staff" ? deliveryLine(deliveries.get(m.id)) : ""}
    </li>`,
  )}</ol>`;
}

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function filesView(c: Ctx, files: StoredFile[]): Promise<SafeHtml> {
  if (files.length === 0) return html`<p class="empty">No files.</p>`;
  const config = c.get("services").config;
  const until = new Date(Date.now() + 3_600_000);
  const items = await Promise.all(
    files.map(async (f) => {
      // A same-origin path: the console's CSP allows media only from itself.
      const signed = await signedFileUrl(config, f.id, until);
      const link = signed ? new URL(signed).pathname : null;
      const transcript = typeof f.detail?.transcript === "string" ? f.detail.transcript : null;
      const duration = typeof f.detail?.durationSeconds === "number" ? `${Math.round(f.detail.durationSeconds)} s` : null;
      const kind = f.kind === "recording" ? "Voicemail" : f.kind === "raw-mail" ? "Original mail" : "Attachment";
      return html`<li class="item">
        <h3>${kind}: ${f.name}</h3>
        <p class="meta"><span>${f.contentType}</span><span>${sizeText(f.size)}</span>${duration ? html`<span>${duration}</span>` : ""}<span>${time(f.createdAt)}</span></p>
        ${f.kind === "recording" && link ? html`<audio controls preload="none" src="${link}" aria-label="${kind} ${f.name}"></audio>` : ""}
        ${transcript ? html`<p class="small muted">Transcript</p><p class="transcript">${transcript}</p>` : f.kind === "recording" ? html`<p class="muted small">No transcript.</p>` : ""}
        <p>${link ? html`<a href="${link}" download>Download</a> <span class="muted small">(link valid for an hour)</span>` : html`<a href="/api/admin/files/${f.id}">Download (staff API)</a>`}</p>
      </li>`;
    }),
  );
  return html`<ul class="files">${items}</ul>`;
}

function reporterView(r: Report): SafeHtml {
  const p = r.reporter;
  return html`<dl class="kv">
    <div><dt>Name</dt><dd>${p.name ?? "not given"}</dd></div>
    <div><dt>Email</dt><dd>${p.email ? html`<a href="mailto:${p.email}">${p.email}</a>` : "not given"}</dd></div>
    <div><dt>Phone</dt><dd>${p.phone ? html`<a href="tel:${p.phone.replace(/[^+\d]/g, "")}">${p.phone}</a>` : "not given"}</dd></div>
    ${p.xHandle ? html`<div><dt>X</dt><dd>@${p.xHandle}</dd></div>` : ""}
  </dl>`;
}

async function threadPage(c: Ctx, extra: { draft?: string; error?: string; status?: number } = {}): Promise<Response> {
  const staff = c.get("staff");
  const db = c.env.DB;
  const now = new Date();
  const reference = parseReference(c.req.param("reference") ?? "");
  const report = reference ? await findReportByReference(db, reference) : null;
  if (!report) throw new ApiError("not_found", "There is no report with that reference.");
  const [messages, files, deliveries, alert] = await Promise.all([
    listMessages(db, report.id),
    listFilesOfReport(db, report.id),
    listReplyDeliveriesOf(db, report.id),
    report.alertId ? alertDetails(db, report.alertId) : null,
  ]);
  const canWrite = hasScope(staff.scopes, "reports:write");
  const route = replyRouteFor(report);
  const base = `/admin/reports/${report.reference}`;
  const main = html`<p class="crumbs"><a href="/admin/reports">Reports</a></p>
    <h1>${report.subject}</h1>
    <p class="meta buttons">
      <code>${report.reference}</code> ${tag(report.state, stateTone[report.state] ?? "none")} ${tag(channelLabel[report.channel] ?? report.channel)} ${tag(report.urgency, report.urgency === "critical" ? "bad" : "warn")}
      <span class="muted">${time(report.createdAt)} (${ago(report.createdAt, now)})</span>
    </p>
    ${
      canWrite && report.state !== "resolved"
        ? html`<div class="buttons">${report.state === "new" ? actionButton(staff, `${base}/ack`, "Acknowledge") : ""}${actionButton(staff, `${base}/resolve`, "Resolve", { style: "secondary" })}</div>`
        : ""
    }
    <div class="grid2">
      <section>
        <h2>Conversation</h2>
        ${threadView(messages, deliveries)}
        ${
          canWrite
            ? html`<h2 id="reply">Reply</h2>
              ${extra.error ? html`<div class="flash" data-kind="error" role="alert"><p>${extra.error}</p></div>` : ""}
              <form class="console-form card" method="post" action="${base}/reply" novalidate>
                ${csrfField(staff)}
                <p class="small">${route.sender ? html`Goes to the reporter ${route.sender.channel === "email" ? "by email" : `by ${channelLabel[route.sender.channel] ?? route.sender.channel}`}: <strong>${route.to}</strong>. It also shows in their private report page, under your name.` : html`<strong>${route.note}</strong>`}${route.sender && route.note ? html` ${route.note}` : ""}</p>
                <div class="field">
                  <label for="body">Your reply</label>
                  <textarea id="body" name="body" rows="5" maxlength="10000" required${extra.error ? html` aria-invalid="true"` : ""}>${extra.draft ?? ""}</textarea>
                </div>
                <p class="buttons"><button type="submit" class="button">Send reply</button></p>
              </form>`
            : ""
        }
      </section>
      <section>
        <h2>Reporter</h2>
        ${reporterView(report)}
        <h2>Files</h2>
        ${await filesView(c, files)}
        <h2>Alert</h2>
        ${
          alert
            ? html`<p>${tag(alert.state, alert.state === "triggered" ? "bad" : "info")} <code>${alert.code}</code> ${alert.report_count} report(s), level ${alert.level} of its policy${alert.acknowledged_by ? `, acknowledged by ${alert.acknowledged_by}` : ""}.</p>
              <details class="more"><summary>Timeline and pages (${alert.deliveries?.length ?? 0})</summary>
                <ol>${(alert.events as Array<{ type: string; message: string; created_at: string }>).map((e) => html`<li>${time(e.created_at)} ${e.message}</li>`)}</ol>
                <ul>${(alert.deliveries ?? []).map((d) => html`<li>${d.person ?? d.person_id} by ${d.channel} (${d.target}): ${d.state}${d.error ? `: ${d.error}` : ""}</li>`)}</ul>
              </details>`
            : html`<p class="empty">${report.duplicateOf ? "A duplicate: it pages nobody." : "Not grouped into an alert yet."}</p>`
        }
      </section>
    </div>`;
  return renderConsolePage(c.env, c.req.url, { title: `${report.reference}: ${report.subject}`, nav: "reports", staff, main, status: extra.status, flash: flashFrom(c.req.url) });
}

async function reportOr404(c: Ctx): Promise<Report> {
  const reference = parseReference(c.req.param("reference") ?? "");
  const report = reference ? await findReportByReference(c.env.DB, reference) : null;
  if (!report) throw new ApiError("not_found", "There is no report with that reference.");
  return report;
}

export const reportConsoleRoutes = new Hono<AppEnv>()
  .get("/admin/reports", requireScope("reports:read"), (c) => listPage(c))
  .get("/admin/reports/:reference", requireScope("reports:read"), (c) => threadPage(c))
  .post("/admin/reports/:reference/ack", requireScope("reports:write"), async (c) => {
    const report = await reportOr404(c);
    await closeReport(c.get("services"), report, "acknowledge", c.get("staff"), "console", new Date());
    return redirect(`/admin/reports/${report.reference}?done=acknowledged`);
  })
  .post("/admin/reports/:reference/resolve", requireScope("reports:write"), async (c) => {
    const report = await reportOr404(c);
    await closeReport(c.get("services"), report, "resolve", c.get("staff"), "console", new Date());
    return redirect(`/admin/reports/${report.reference}?done=resolved`);
  })
  .post("/admin/reports/:reference/reply", requireScope("reports:write"), async (c) => {
    const staff: StaffPrincipal = c.get("staff");
    const report = await reportOr404(c);
    const draft = formOf(c).get("body") ?? "";
    const parsed = checkForm(StaffReply, { body: draft });
    if (!parsed.ok) return threadPage(c, { draft: draft.slice(0, 20_000), error: Object.values(parsed.errors)[0] ?? "Write a reply.", status: 400 });
    const sent = await replyToReporter(c.get("services"), report, parsed.value.body, staff, "console", new Date());
    return redirect(`/admin/reports/${report.reference}?done=${sent.channel ? "reply-sent" : "reply-kept"}#reply`);
  });
