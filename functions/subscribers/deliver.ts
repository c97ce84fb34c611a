// One subscribers.deliver job: tell a chunk of subscribers of one channel about one event.
// Each send is claimed per subscriber and update before it happens (a repeated queue delivery
// sends nothing twice), its outcome is recorded, and sends that may work later make the job
// retry with backoff; the retry claims only those.
import { StatusPublishedJob, type SubscriberChannel } from "../../contract/jobs";
import { siteConfig } from "../../site.config";
import { callProvider } from "../channels/http";
import { ChannelError } from "../channels/types";
import type { Config } from "../platform/config";
import type { OutgoingMail, Services } from "../platform/services";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "../platform/webhook-signature";
import { statusIndicator } from "../status/indicator.pure";
import { findComponents, findStatusEventPayload, getIncident, loadCurrentStatus } from "../status/queries";
import { PERMANENT_FAILURES_TO_UNSUBSCRIBE } from "./bounces.pure";
import { noticeOf, slackMessage, statusMail, teamsMessage, webhookBody, type Notice } from "./message.pure";
import { activeSubscribersIn, claimDeliveries, deliveryOutcomeStatements, type DeliveryOutcome, type Subscriber } from "./queries";
import { unsubscribeUrl } from "./tokens";

type DeliverServices = Pick<Services, "db" | "mail" | "config">;

/** A claimed send older than this belongs to an invocation that died: claim it again. */
export const STALE_CLAIM_MS = 5 * 60_000;
/** How long one webhook, Slack or Teams post may take. */
export const HOOK_TIMEOUT_MS = 10_000;

/** Some sends may work later: the queue retries the job, with at least this wait. */
export class SubscriberRetry extends Error {
  constructor(
    message: string,
    readonly minDelaySeconds: number | null,
  ) {
    super(message);
    this.name = "SubscriberRetry";
  }
}

/**
 * What an event says, kept per isolate: the chunks of one event mostly land in the same
 * isolate, and reading the incident once instead of once per chunk saves two D1 calls a chunk.
 * Keyed by event: an event's update never changes what it said.
 */
const notices = new Map<string, { event: StatusPublishedJob; notice: Notice | null }>();
const NOTICE_CACHE_SIZE = 32;

async function noticeFor(svc: DeliverServices, eventId: string): Promise<{ event: StatusPublishedJob; notice: Notice | null } | null> {
  const cached = notices.get(eventId);
  if (cached) return cached;
  const payload = await findStatusEventPayload(svc.db, eventId);
  if (!payload) return null;
  const event = StatusPublishedJob.parse(JSON.parse(payload));
  const incident = event.incidentId ? await getIncident(svc.db, event.incidentId) : null;
  const ids = new Set([...(incident?.componentIds ?? []), ...event.changes.map((c) => c.componentId)]);
  const components = new Map((await findComponents(svc.db, [...ids])).map((c) => [c.id, c]));
  const entry = { event, notice: noticeOf(event, incident, components, svc.config.publicUrl) };
  if (notices.size >= NOTICE_CACHE_SIZE) notices.delete(notices.keys().next().value!);
  notices.set(eventId, entry);
  return entry;
}

/** For tests that change an incident between two deliveries of one event. */
export function forgetNotices(): void {
  notices.clear();
}

/**
 * The list headers of a status mail (RFC 2369, RFC 8058 one-click). Cloudflare's Email Service
 * refuses a List-Unsubscribe with an http URL, so outside development they are only set for
 * https (a deployment's PUBLIC_URL always is); the mail's text carries the link either way.
 */
export function listHeaders(config: Pick<Config, "publicUrl" | "environment">, unsubscribe: string): Record<string, string> {
  const headers: Record<string, string> = { "Auto-Submitted": "auto-generated", Precedence: "bulk" };
  let host = "localhost";
  try {
    host = new URL(config.publicUrl).hostname;
  } catch {
    // PUBLIC_URL misconfigured: the List-Id still names us.
  }
  headers["List-Id"] = `${siteConfig.name.replace(/[<>"]/g, "")} status updates <status.${host}>`;
  if (unsubscribe.startsWith("https://") || config.environment === "development") {
    headers["List-Unsubscribe"] = `<${unsubscribe}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  return headers;
}

export interface DeliverySummary {
  sent: number;
  failed: number;
  dropped: number;
  skipped: number;
}

export async function deliverToSubscribers(
  svc: DeliverServices,
  job: { eventId: string; channel: SubscriberChannel; subscriberIds: readonly string[] },
  now: Date,
  opts: { timeoutMs?: number } = {},
): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, failed: 0, dropped: 0, skipped: 0 };
  const subscribers = (await activeSubscribersIn(svc.db, job.subscriberIds)).filter((s) => s.channel === job.channel);
  summary.skipped = job.subscriberIds.length - subscribers.length;
  if (subscribers.length === 0) return summary;
  const told = await noticeFor(svc, job.eventId);
  if (!told?.notice) return { ...summary, skipped: job.subscriberIds.length };
  const { event, notice } = told;
  const updateId = event.updateId ?? event.eventId;
  const claimed = await claimDeliveries(svc.db, {
    ids: subscribers.map((s) => s.id),
    updateId,
    eventId: event.eventId,
    now: now.toISOString(),
    staleBefore: new Date(now.getTime() - STALE_CLAIM_MS).toISOString(),
  });
  const targets = subscribers.filter((s) => claimed.has(s.id));
  summary.skipped += subscribers.length - targets.length;
  if (targets.length === 0) return summary;

  const page = job.channel === "webhook" ? statusIndicator(await loadCurrentStatus(svc.db)) : null;
  const timeoutMs = opts.timeoutMs ?? HOOK_TIMEOUT_MS;
  let retryAfter: number | null = null;
  const outcomes = await Promise.all(
    targets.map(async (s): Promise<DeliveryOutcome> => {
      try {
        await sendOne(svc, s, notice, page, now, timeoutMs);
        return { subscriberId: s.id, outcome: "sent" };
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        // Mail refused by the binding is retried: the service's errors say nothing reliable
        // about the mailbox (bounces come back by mail and count in bounces.ts).
        const permanent = err instanceof ChannelError && !err.retryable;
        if (err instanceof ChannelError && err.retryAfterSeconds !== null) retryAfter = Math.max(retryAfter ?? 0, err.retryAfterSeconds);
        return { subscriberId: s.id, outcome: permanent ? "dropped" : "failed", error };
      }
    }),
  );
  await svc.db.batch(deliveryOutcomeStatements(svc.db, { updateId, outcomes, now: now.toISOString(), unsubscribeAfter: PERMANENT_FAILURES_TO_UNSUBSCRIBE }));
  for (const o of outcomes) summary[o.outcome]++;
  if (summary.failed > 0) {
    throw new SubscriberRetry(`${summary.failed} of ${targets.length} ${job.channel} sends for ${event.eventId} failed; retrying those`, retryAfter);
  }
  return summary;
}

async function sendOne(svc: DeliverServices, s: Subscriber, notice: Notice, page: { indicator: string; description: string } | null, now: Date, timeoutMs: number): Promise<void> {
  const unsubscribe = await unsubscribeUrl(svc.config, s.id);
  if (s.channel === "email") {
    const mail = statusMail(notice, { siteName: siteConfig.name, unsubscribeUrl: unsubscribe, allComponents: s.allComponents });
    const out: OutgoingMail = { to: s.target, from: svc.config.mailFrom, subject: mail.subject, text: mail.text, headers: listHeaders(svc.config, unsubscribe) };
    await svc.mail.send(out);
    return;
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  let body: string;
  if (s.channel === "webhook") {
    body = JSON.stringify(webhookBody(notice, { unsubscribeUrl: unsubscribe, documentationUrl: `${svc.config.publicUrl}/subscribe`, page: page ?? { indicator: "none", description: "" } }));
    headers[WEBHOOK_SIGNATURE_HEADER] = await signWebhook(s.secret ?? "", body, Math.floor(now.getTime() / 1000));
    headers["X-Outofband-Event"] = notice.eventId;
  } else {
    const o = { siteName: siteConfig.name, unsubscribeUrl: unsubscribe };
    body = JSON.stringify(s.channel === "slack" ? slackMessage(notice, o) : teamsMessage(notice, o));
  }
  await callProvider(s.channel, s.target, { method: "POST", headers, body, redirect: "manual" }, timeoutMs);
}
