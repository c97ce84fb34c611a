// The staff reports API (scopes reports:read, reports:write): the inbox of urgent reports with
// their threads, the alert each was grouped into and the pages it caused. Staff acknowledge,
// resolve and reply here. It sits above intake (functions/reports) and the fan-out
// (functions/alerts) and uses both; neither uses it.
import { Hono, type Context } from "hono";
import * as z from "zod";
import { ReportChannel, ReportState, StaffReply } from "../../contract/reports";
import { parseWith, readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { findReportByReference, listMessages, listMessagesOf, listReports, type Report } from "../reports/queries";
import { parseReference } from "../reports/reference";
import { MAX_REPORT_BODY_BYTES } from "../reports/route-helpers";
import { listFilesOfReport } from "../files/queries";
import { signedFileUrl } from "../files/store";
import type { Services } from "../platform/services";
import { requireScope } from "../staff/auth";
import { closeReport, replyToReporter } from "./actions";
import { listReplyDeliveriesOf } from "./queries";
import { loadReportExtras, reportExtrasLoader, toAdminReportBody } from "./report-body";

type Ctx = Context<AppEnv>;

const ListQuery = z.object({
  channel: ReportChannel.optional(),
  state: ReportState.optional(),
  /** Reports that named this known incident: how many customers say they are affected. */
  incident: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Use an incident id, e.g. inc_…").optional(),
  /** Words in the reference, subject or reporter's name, email, phone or X handle. */
  q: z.string().trim().max(100, "Search for at most 100 characters.").optional().transform((v) => v || undefined),
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
  const [messages, extras, files, replies] = await Promise.all([
    listMessages(db, report.id),
    loadReportExtras(db, report),
    listFilesOfReport(db, report.id),
    listReplyDeliveriesOf(db, report.id),
  ]);
  const linkUntil = new Date(Date.now() + 3_600_000);
  const body = toAdminReportBody(report, messages, extras);
  return {
    ...body,
    // Each staff reply says how it went out: channel, state (queued, sent, failed, unavailable).
    messages: body.messages.map((m, i) => {
      const d = replies.get(messages[i]!.id);
      return d ? { ...m, delivery: { channel: d.channel, state: d.state, error: d.error, sent_at: d.sentAt } } : m;
    }),
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

async function closeReportByStaff(c: Ctx, to: "acknowledge" | "resolve") {
  const svc = c.get("services");
  const report = await staffReport(c);
  await closeReport(svc, report, to, c.get("staff"), "staff api", new Date());
  const fresh = (await findReportByReference(svc.db, report.reference))!;
  c.header("Cache-Control", "no-store");
  return c.json(await staffReportBody(svc, fresh));
}

export const inboxRoutes = new Hono<AppEnv>()
  .get("/api/admin/reports", requireScope("reports:read"), async (c) => {
    const { db } = c.get("services");
    const q = parseWith(ListQuery, c.req.query());
    const reports = await listReports(db, { ...q, after: q.cursor, search: q.q });
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
    const sent = await replyToReporter(svc, report, body, c.get("staff"), "staff api", new Date());
    c.header("Cache-Control", "no-store");
    return c.json({ ...(await staffReportBody(svc, report)), reply: { message_id: sent.messageId, channel: sent.channel, to: sent.to, note: sent.note } }, 201);
  });
