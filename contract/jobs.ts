// Messages on the fan-out queue. Every consumer parses bodies with this schema first: a queue
// body is input like any other. Capabilities add their job types here.
import * as z from "zod";
import { SocialChannel, Urgency } from "./reports";
import { ComponentStatus } from "./status";

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


/** Where a signal comes from: a monitor probing the company's servers from the edge, a
 * heartbeat those servers (or their jobs) ping, or the inbound-email path itself (a forward
 * of the urgent address failing), or assurance (functions/assurance/watch: a path or channel
 * drifting, the weekly human-path test page). Routed like reports of that channel. */
export const SignalSource = z.enum(["monitor", "heartbeat", "email", "assurance"]);

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
  /** Contact-method types known to be broken (assurance drift about a channel): the page goes
   * out on each person's other methods, so it is not lost to the fault it reports. A person
   * whose only method is broken still gets it there. */
  avoidChannels: z.array(z.string().min(1).max(32)).max(10).optional(),
});

/** The outage named by `key` is over (the monitor recovered, or it is no longer monitored). */
export const SignalRecoveredJob = z.object({
  type: z.literal("signal.recovered"),
  source: SignalSource,
  sourceId: z.string().min(1).max(64),
  key: z.string().min(1).max(200),
});

/**
 * Mentions and direct messages of a social network wait, stored, to be turned into reports or
 * follow-ups (functions/social/inbound.ts). One job handles a bounded number and sends itself
 * again while more wait; the cron is the backstop.
 */
export const SocialInboundJob = z.object({ type: z.literal("social.inbound"), network: SocialChannel });

/** Replies, private answers and update threads of a social network are due to be posted. */
export const SocialSendJob = z.object({ type: z.literal("social.send"), network: SocialChannel });

/** A staff reply to a reporter, to be sent through the channel they used (a reply_deliveries row,
 * claimed before sending, so a repeated delivery never sends twice). */
export const ReportReplyJob = z.object({ type: z.literal("report.reply"), messageId: z.number().int().positive() });

/** A status component a write moved, from what to what. */
export const StatusChange = z.object({ componentId: z.string().min(1).max(64), from: ComponentStatus, to: ComponentStatus });
export type StatusChange = z.infer<typeof StatusChange>;

/**
 * The status page changed: a staff write committed (an incident opened or updated, a
 * maintenance scheduled, a component moved) or the maintenance clock started or completed a
 * window. Written to `status_events` in the same D1 batch as the change (so a crash cannot
 * lose it), then dispatched; the cron sweep re-sends what the queue never took. Consumers
 * (subscribers; social and the mirror may follow) register in functions/queue/consumer.ts and
 * each runs once per event (status_event_consumers). It carries ids, not text: consumers read
 * the incident as it is when they run.
 */
export const StatusPublishedJob = z.object({
  type: z.literal("status.published"),
  /** status_events.id: one per write. */
  eventId: z.string().min(1).max(64),
  kind: z.enum(["incident", "maintenance", "component"]),
  /** The incident or maintenance written (null for a component moved on its own). */
  incidentId: z.string().min(1).max(64).nullable(),
  /** The update the write added (null for a component moved on its own). */
  updateId: z.string().min(1).max(64).nullable(),
  /** Components this write moved (empty when it moved none). */
  changes: z.array(StatusChange).max(100),
  /** What staff chose on the form or in the API body (`notify`); true unless they said no. */
  notify: z.object({ subscribers: z.boolean(), social: z.boolean() }),
  /** Who wrote it: a staff token's name, "cron" for the maintenance clock, "monitor:<id>". */
  actor: z.string().min(1).max(200),
  at: z.iso.datetime(),
});
export type StatusPublishedJob = z.infer<typeof StatusPublishedJob>;

/** Subscriber channels (functions/subscribers). */
export const SubscriberChannel = z.enum(["email", "webhook", "slack", "teams"]);
export type SubscriberChannel = z.infer<typeof SubscriberChannel>;

/**
 * Tell a few subscribers of one channel about one status event. The fan-out splits the
 * audience into these so that no queue invocation comes near the Worker's subrequest limits
 * (functions/subscribers/budget.pure.ts); each send is claimed per subscriber and update first.
 */
export const SubscriberDeliverJob = z.object({
  type: z.literal("subscribers.deliver"),
  eventId: z.string().min(1).max(64),
  channel: SubscriberChannel,
  subscriberIds: z.array(z.string().min(1).max(64)).min(1).max(50),
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
  SocialInboundJob,
  SocialSendJob,
  ReportReplyJob,
  StatusPublishedJob,
  SubscriberDeliverJob,
  MirrorPublishJob,
]);
export type Job = z.infer<typeof Job>;
export type JobType = Job["type"];
