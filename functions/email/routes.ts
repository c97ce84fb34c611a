// Inbound mail for staff (scope reports:read): every mail received, what it became and why,
// with its forwards. Out-of-office replies, bounces and refused staff updates are shown here;
// the raw mail downloads through the files API.
//   GET /api/admin/inbound-emails?kind=&state=&before=&limit=&cursor=   (cursor: next_cursor of the previous page)
import { Hono } from "hono";
import * as z from "zod";
import { parseWith } from "../platform/body";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { listInbound, type InboundEmail } from "./queries";

const kinds = ["report", "followup", "ack", "page-reply", "bounce", "delivery-report", "auto-reply", "loop", "status-update", "refused", "failed"] as const;

const ListQuery = z.object({
  kind: z.enum(kinds).optional(),
  state: z.enum(["received", "processed", "failed", "refused"]).optional(),
  before: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[0-9TZ:.-]{20,30}~[A-Za-z0-9_-]{1,64}$/, "Use the next_cursor of the previous page.")
    .transform((v) => {
      const [receivedAt, id] = v.split("~") as [string, string];
      return { receivedAt, id };
    })
    .optional(),
});

function toBody(m: InboundEmail) {
  return {
    id: m.id,
    message_id: m.messageId,
    mail_from: m.mailFrom,
    header_from: m.headerFrom,
    to: m.rcptTo,
    intake_address: m.intakeAddress,
    subject: m.subject,
    size: m.rawSize,
    state: m.state,
    kind: m.kind,
    report_id: m.reportId,
    forwards: m.forwards,
    detail: m.detail,
    attempts: m.attempts,
    error: m.error,
    received_at: m.receivedAt,
    processed_at: m.processedAt,
    raw: m.rawFileId ? `/api/admin/files/${m.rawFileId}` : null,
  };
}

export const inboundEmailRoutes = new Hono<AppEnv>().get("/api/admin/inbound-emails", requireScope("reports:read"), async (c) => {
  const q = parseWith(ListQuery, c.req.query());
  const rows = await listInbound(c.get("services").db, { ...q, after: q.cursor });
  c.header("Cache-Control", "no-store");
  const last = rows.length === q.limit ? rows.at(-1) : undefined;
  return c.json({ emails: rows.map(toBody), next_cursor: last ? `${last.receivedAt}~${last.id}` : null });
});
