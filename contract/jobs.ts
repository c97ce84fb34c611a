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

export const Job = z.discriminatedUnion("type", [CanaryJob, ReportReceivedJob, AlertEscalateJob, NotificationSendJob]);
export type Job = z.infer<typeof Job>;
export type JobType = Job["type"];
