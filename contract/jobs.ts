// Messages on the fan-out queue. Every consumer parses bodies with this schema first: a queue
// body is input like any other. Capabilities add their job types here.
import * as z from "zod";
import { Urgency } from "./reports";

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


/** Where a signal comes from: a monitor probing the company's servers from the edge, or a
 * heartbeat those servers (or their jobs) ping. */
export const SignalSource = z.enum(["monitor", "heartbeat"]);

/**
 * A monitor or heartbeat went bad (after its hysteresis). Enqueued exactly once per state
 * transition (functions/monitors). `key` names the outage: one open signal per key. A second
 * `signal.raised` with a key that is still open means the same outage got worse (degraded, then
 * down: higher urgency), not a new one. The alerts side raises or updates one alert per key,
 * routed like reports, with channel "monitor".
 */
export const SignalRaisedJob = z.object({
  type: z.literal("signal.raised"),
  source: SignalSource,
  sourceId: z.string().min(1).max(64),
  key: z.string().min(1).max(200),
  subject: z.string().min(1).max(300),
  text: z.string().min(1).max(4000),
  componentId: z.string().min(1).max(64).nullable(),
  urgency: Urgency,
});

/** The outage named by `key` is over (the monitor recovered, or it is no longer monitored). */
export const SignalRecoveredJob = z.object({
  type: z.literal("signal.recovered"),
  source: SignalSource,
  sourceId: z.string().min(1).max(64),
  key: z.string().min(1).max(200),
});

/**
 * Publish the static mirror (functions/mirror) of the status site. Sent after every staff write
 * with the status version it made, by the cron when a target is behind or its hourly refresh is
 * due, and by staff. A target that already holds `version` (or a newer one) skips a "change";
 * "hourly" refreshes a target not refreshed for an hour; "manual" always publishes.
 */
export const MirrorPublishJob = z.object({
  type: z.literal("mirror.publish"),
  version: z.number().int().nonnegative(),
  reason: z.enum(["change", "hourly", "manual"]),
});

export const Job = z.discriminatedUnion("type", [
  CanaryJob,
  ReportReceivedJob,
  ReportFollowUpJob,
  AlertEscalateJob,
  NotificationSendJob,
  DigestFlushJob,
  SignalRaisedJob,
  SignalRecoveredJob,
  MirrorPublishJob,
]);
export type Job = z.infer<typeof Job>;
export type JobType = Job["type"];
