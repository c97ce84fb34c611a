// Messages on the fan-out queue. Every consumer parses bodies with this schema first: a queue
// body is input like any other. Capabilities add their job types here.
import { z } from "zod";

export const CanaryJob = z.object({
  type: z.literal("canary"),
  /** When the cron enqueued it: the consumer records the queue's latency from it. */
  sentAt: z.iso.datetime(),
});

/**
 * A report was stored (by any intake channel). Written to the outbox in the same D1 batch as
 * the report, then sent on the queue; the cron re-sends outbox rows the queue never took.
 * The on-call fan-out consumes it: group into an alert, page whoever is on call.
 */
export const ReportReceivedJob = z.object({
  type: z.literal("report.received"),
  reportId: z.string().min(1),
  outboxId: z.string().min(1),
});

/** An alert's escalation timer fell due (delayed message; the cron sweep is the backstop). */
export const AlertEscalateJob = z.object({ type: z.literal("alert.escalate"), alertId: z.string().min(1) });

/** Send one notification (a deliveries row) through its channel. One message per send, so one
 * slow or failing provider never holds up the others. */
export const NotificationSendJob = z.object({ type: z.literal("notification.send"), deliveryId: z.string().min(1) });

/**
 * A reporter added to an open report (private view, email, SMS, a social reply). Written to
 * the outbox with the message; the fan-out tells whoever acknowledged the report's alert, or
 * the people it is paging now.
 */
export const ReportFollowUpJob = z.object({
  type: z.literal("report.followup"),
  reportId: z.string().min(1),
  messageId: z.number().int().positive(),
  outboxId: z.string().min(1),
});

/** A person's digest may be due: alerts held back, over their page ceiling, reports about a
 * known incident, follow-ups. At most one digest per person per window goes out. */
export const DigestFlushJob = z.object({ type: z.literal("digest.flush"), personId: z.string().min(1) });

export const Job = z.discriminatedUnion("type", [CanaryJob, ReportReceivedJob, ReportFollowUpJob, AlertEscalateJob, NotificationSendJob, DigestFlushJob]);
export type Job = z.infer<typeof Job>;
export type JobType = Job["type"];
