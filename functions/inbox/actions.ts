// What staff do with a report, for the staff API and the console alike: acknowledge, resolve,
// reply. Each is one D1 batch with its thread line and audit row; replies go out through the
// reporter's channel by a queue job (claimed before sending, swept by the cron when lost).
import type { Job } from "../../contract/jobs";
import { acknowledgeAlert, resolveAlert } from "../alerts/lifecycle";
import type { Services } from "../platform/services";
import type { CronTask, JobHandlers } from "../platform/tasks";
import type { StaffPrincipal } from "../platform/types";
import {
  acknowledgeReportStatement,
  findMessageById,
  findReportById,
  insertMessageStatement,
  resolveReportStatement,
  type Report,
} from "../reports/queries";
import { hashViewToken, privateViewUrl, viewTokenFor } from "../reports/reference";
import { ReplyRetryLater } from "../reports/replies";
import { auditStatement } from "../staff/queries";
import {
  claimReplyDelivery,
  findReplyDelivery,
  finishReplyDelivery,
  insertReplyDeliveryForLastMessageStatement,
  listStuckReplyDeliveries,
} from "./queries";
import { replyRouteFor } from "./reply-senders";

type Staff = Pick<StaffPrincipal, "name" | "actorId" | "memberId">;

/**
 * Acknowledges or resolves a report: its state, a line in its thread and the audit row in one
 * batch; then its alert (which stops escalation and tells the alert's other reports).
 * Repeating it changes nothing. `via` says where it came from ("staff api", "console").
 */
export async function closeReport(
  svc: Pick<Services, "db" | "queue" | "config">,
  report: Report,
  to: "acknowledge" | "resolve",
  staff: Staff,
  via: string,
  now: Date,
): Promise<boolean> {
  const db = svc.db;
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
      auditStatement(db, {
        actor: staff.name,
        actorId: staff.actorId,
        action: to === "acknowledge" ? "report.ack" : "report.resolve",
        target: report.reference,
        before: { state: report.state },
        after: { state: to === "acknowledge" ? "acknowledged" : "resolved" },
        detail: { via },
        now,
      }),
    ]);
  }
  // The on-call fan-out: closing a report closes its alert, which stops escalation.
  if (report.alertId) {
    const by = { actor: staff.name, via };
    await (to === "acknowledge" ? acknowledgeAlert(svc, report.alertId, by, now) : resolveAlert(svc, report.alertId, by, now));
  }
  return pending;
}

/**
 * A staff reply: stored in the thread (the reporter's private view shows it under the staff
 * member's display name; with no person known, as "our team", never a token's label), with
 * its delivery row and audit row in one batch; then sent through the reporter's channel.
 */
export async function replyToReporter(
  svc: Pick<Services, "db" | "queue">,
  report: Report,
  body: string,
  staff: Staff,
  via: string,
  now: Date,
): Promise<{ messageId: number; channel: string | null; to: string | null; note: string | null }> {
  const db = svc.db;
  const iso = now.toISOString();
  const route = replyRouteFor(report);
  const authorName = staff.memberId ? staff.name : null;
  const results = await db.batch<{ id?: number; message_id?: number }>([
    insertMessageStatement(db, { reportId: report.id, author: "staff", authorName, body, createdAt: iso }),
    insertReplyDeliveryForLastMessageStatement(db, {
      reportId: report.id,
      channel: route.sender?.channel ?? null,
      state: route.sender ? "queued" : "unavailable",
      error: route.sender ? null : route.note,
      now: iso,
    }),
    auditStatement(db, {
      actor: staff.name,
      actorId: staff.actorId,
      action: "report.reply",
      target: report.reference,
      detail: { via, channel: route.sender?.channel ?? null, to: route.to, length: body.length },
      now,
    }),
  ]);
  const messageId = Number(results[0]!.results[0]!.id);
  if (route.sender) await svc.queue.dispatch({ type: "report.reply", messageId });
  return { messageId, channel: route.sender?.channel ?? null, to: route.to, note: route.note };
}

/** How long a claimed reply may stay "sending" before it counts as lost (the sender died). */
const SENDING_STALE_MS = 5 * 60_000;
/** Sends tried (queue retries and sweeps together) before a reply is marked failed for staff. */
const MAX_REPLY_ATTEMPTS = 12;

/** Sends one reply (the `report.reply` job). Idempotent: a reply already sent is left alone. */
export async function deliverReply(svc: Pick<Services, "db" | "mail" | "config" | "channelSettings">, messageId: number, now: Date): Promise<void> {
  const db = svc.db;
  const delivery = await findReplyDelivery(db, messageId);
  if (!delivery || (delivery.state !== "queued" && delivery.state !== "sending")) return;
  if (!(await claimReplyDelivery(db, messageId, now.toISOString(), new Date(now.getTime() - SENDING_STALE_MS).toISOString()))) return;
  if (delivery.attempts + 1 > MAX_REPLY_ATTEMPTS) {
    await finishReplyDelivery(db, messageId, { state: "failed", error: `gave up after ${MAX_REPLY_ATTEMPTS} attempts: ${delivery.error ?? "unknown error"}`, now: now.toISOString() });
    return;
  }
  const [report, message] = await Promise.all([findReportById(db, delivery.reportId), findMessageById(db, messageId)]);
  const route = report ? replyRouteFor(report) : null;
  if (!report || !message || !route?.sender) {
    await finishReplyDelivery(db, messageId, { state: "failed", error: "the report or its reply is gone, or no channel can answer it now", now: now.toISOString() });
    return;
  }
  let privateLink: string | null = null;
  if (svc.config.hashSalt) {
    const token = await viewTokenFor(report.id, svc.config.hashSalt);
    if ((await hashViewToken(token)) === report.viewTokenHash) privateLink = privateViewUrl(svc.config.publicUrl, report.reference, token);
  }
  try {
    const sent = await route.sender.send(svc, report, { messageId, body: message.body, staffName: message.authorName, privateLink });
    await finishReplyDelivery(db, messageId, { state: "sent", providerId: sent.providerId, now: new Date().toISOString() });
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    if (err instanceof ReplyRetryLater) {
      // Back to the queue: the job is retried with backoff, then by the cron sweep.
      await finishReplyDelivery(db, messageId, { state: "queued", error, now: new Date().toISOString() });
      throw err;
    }
    await finishReplyDelivery(db, messageId, { state: "failed", error, now: new Date().toISOString() });
  }
}

export const inboxJobHandlers: JobHandlers = {
  "report.reply": (job: Extract<Job, { type: "report.reply" }>, ctx) => deliverReply(ctx.svc, job.messageId, ctx.now),
};

/** Replies whose job was lost (a queue outage, a crash): their job is sent again. */
export const replySweepCronTask: CronTask = {
  name: "inbox:reply-sweep",
  async run(svc, now) {
    const stuck = await listStuckReplyDeliveries(svc.db, new Date(now.getTime() - 2 * 60_000).toISOString(), 50);
    if (stuck.length > 0) await svc.queue.sendAll(stuck.map((messageId) => ({ type: "report.reply", messageId })));
  },
};
