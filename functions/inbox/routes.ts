// The staff reports API (scopes reports:read, reports:write): the inbox of urgent reports with
// their threads, the alert each was grouped into and the pages it caused. Staff acknowledge,
// resolve and reply here. It sits above intake (functions/reports) and the fan-out
// (functions/alerts) and uses both; neither uses it.
import { Hono, type Context } from "hono";
import * as z from "zod";
import { ReportChannel, ReportState, StaffReply } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import { acknowledgeAlert, resolveAlert } from "../alerts/lifecycle";
import { parseWith, readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { sendMail } from "../reports/mail";
import {
  acknowledgeReportStatement,
  findReportByReference,
  insertMessageStatement,
  listMessages,
  listMessagesOf,
  listReports,
  resolveReportStatement,
  type Report,
} from "../reports/queries";
import { hashViewToken, parseReference, privateViewUrl, viewTokenFor } from "../reports/reference";
import { MAX_REPORT_BODY_BYTES } from "../reports/route-helpers";
import { listFilesOfReport } from "../files/queries";
import { signedFileUrl } from "../files/store";
import type { Services } from "../platform/services";
import { auditStatement } from "../staff/queries";
import { requireScope } from "../staff/auth";
import { loadReportExtras, reportExtrasLoader, toAdminReportBody } from "./report-body";

type Ctx = Context<AppEnv>;

const ListQuery = z.object({
  channel: ReportChannel.optional(),
  state: ReportState.optional(),
  /** Reports that named this known incident: how many customers say they are affected. */
  incident: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Use an incident id, e.g. inc_…").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.iso.datetime().optional(),
  /** Opaque paging cursor: `next_cursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^[0-9TZ:.-]{20,30}~[0-9a-f-]{36}$/, "Use the next_cursor of the previous page.")
    .transform((v) => {
      const [createdAt, id] = v.split("~") as [string, string];
      return { createdAt, id };
    })
    .optional(),
});

async function staffReport(c: Ctx): Promise<Report> {
  const reference = parseReference(c.req.param("reference") ?? "");
  const report = reference ? await findReportByReference(c.get("services").db, reference) : null;
  if (!report) throw new ApiError("not_found", "There is no report with that reference.");
  return report;
}

/** One report with everything staff need: thread, alert, deliveries and its files (each with
 * the staff download address and a signed link valid for an hour, for players and phones). */
async function staffReportBody(svc: Pick<Services, "db" | "config">, report: Report) {
  const db = svc.db;
  const [messages, extras, files] = await Promise.all([listMessages(db, report.id), loadReportExtras(db, report), listFilesOfReport(db, report.id)]);
  const linkUntil = new Date(Date.now() + 3_600_000);
  return {
    ...toAdminReportBody(report, messages, extras),
    files: await Promise.all(
      files.map(async (f) => ({
        id: f.id,
        kind: f.kind,
        name: f.name,
        content_type: f.contentType,
        size: f.size,
        detail: f.detail,
        created_at: f.createdAt,
        download: `/api/admin/files/${f.id}`,
        link: await signedFileUrl(svc.config, f.id, linkUntil),
      })),
    ),
  };
}

/**
 * Staff acknowledge or resolve a report: the report's own state, a line in its thread and the
 * audit row in one batch; then its alert (which stops escalation and tells the alert's other
 * reports). Repeating it changes nothing.
 */
async function closeReportByStaff(c: Ctx, to: "acknowledge" | "resolve") {
  const svc = c.get("services");
  const db = svc.db;
  const report = await staffReport(c);
  const staff = c.get("staff");
  const now = new Date();
  const iso = now.toISOString();
  const pending = to === "acknowledge" ? report.state === "new" : report.state !== "resolved";
  if (pending) {
    await db.batch([
      to === "acknowledge" ? acknowledgeReportStatement(db, report.id, staff.name, iso) : resolveReportStatement(db, report.id, iso),
      insertMessageStatement(db, {
        reportId: report.id,
        author: "system",
        authorName: null,
        body: to === "acknowledge" ? "Acknowledged: a person is working on it." : "Resolved.",
        createdAt: iso,
      }),
      auditStatement(db, { actor: staff.name, action: to === "acknowledge" ? "report.ack" : "report.resolve", target: report.reference, now }),
    ]);
  }
  // The on-call fan-out: closing a report closes its alert, which stops escalation.
  if (report.alertId) {
    const by = { actor: staff.name, via: "staff api" };
    await (to === "acknowledge" ? acknowledgeAlert(svc, report.alertId, by, now) : resolveAlert(svc, report.alertId, by, now));
  }
  const fresh = (await findReportByReference(db, report.reference))!;
  c.header("Cache-Control", "no-store");
  return c.json(await staffReportBody(svc, fresh));
}

export const inboxRoutes = new Hono<AppEnv>()
  .get("/api/admin/reports", requireScope("reports:read"), async (c) => {
    const { db } = c.get("services");
    const q = parseWith(ListQuery, c.req.query());
    const reports = await listReports(db, { ...q, after: q.cursor });
    const messages = await listMessagesOf(
      db,
      reports.map((r) => r.id),
    );
    const extrasOf = reportExtrasLoader(db);
    const bodies = await Promise.all(reports.map(async (r) => toAdminReportBody(r, messages.get(r.id) ?? [], await extrasOf(r))));
    c.header("Cache-Control", "no-store");
    const last = reports.length === q.limit ? reports.at(-1) : undefined;
    return c.json({ reports: bodies, next_cursor: last ? `${last.createdAt}~${last.id}` : null });
  })
  .get("/api/admin/reports/:reference", requireScope("reports:read"), async (c) => {
    const report = await staffReport(c);
    c.header("Cache-Control", "no-store");
    return c.json(await staffReportBody(c.get("services"), report));
  })
  .post("/api/admin/reports/:reference/ack", requireScope("reports:write"), (c) => closeReportByStaff(c, "acknowledge"))
  .post("/api/admin/reports/:reference/resolve", requireScope("reports:write"), (c) => closeReportByStaff(c, "resolve"))
  .post("/api/admin/reports/:reference/messages", requireScope("reports:write"), async (c) => {
    const svc = c.get("services");
    const report = await staffReport(c);
    const { body } = await readJson(c.req.raw, StaffReply, MAX_REPORT_BODY_BYTES);
    const staff = c.get("staff");
    const now = new Date();
    await svc.db.batch([
      insertMessageStatement(svc.db, { reportId: report.id, author: "staff", authorName: staff.name, body, createdAt: now.toISOString() }),
      auditStatement(svc.db, { actor: staff.name, action: "report.reply", target: report.reference, now }),
    ]);
    // The reporter hears about the reply by mail, with their private link.
    if (report.reporter.email && svc.config.hashSalt) {
      const token = await viewTokenFor(report.id, svc.config.hashSalt);
      const link = (await hashViewToken(token)) === report.viewTokenHash ? privateViewUrl(svc.config.publicUrl, report.reference, token) : null;
      const mail = {
        subject: `[${report.reference}] Reply from ${siteConfig.name}`,
        text: `${body}\n\n${link ? `Answer and follow your report here (keep this link private):\n${link}\n` : ""}\n${siteConfig.name}`,
      };
      svc.defer(sendMail(svc, [report.reporter.email], mail));
    }
    c.header("Cache-Control", "no-store");
    return c.json(await staffReportBody(svc, report), 201);
  });
