// Sending one notification (a deliveries row), exactly once per notification id:
//   claim (state transition in D1) -> call the provider -> record the outcome.
// A redelivered queue message finds the row claimed or sent and does nothing. Retryable
// failures go back on the queue with exponential backoff (at least the provider's
// Retry-After); exhausted ones reach the dead-letter queue, whose consumer records the failure
// and tries the person's next contact method at once. Permanent failures skip the retries.
import { siteConfig } from "../../site.config";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import { channels } from "../channels/registry";
import { ChannelError, type AlertMessage, type ChannelAdapter } from "../channels/types";
import type { ContactMethod } from "../oncall/config";
import type { Config } from "../platform/config";
import type { Services } from "../platform/services";
import type { FanoutServices } from "./lifecycle";
import { signAckToken } from "./ack-token";
import { findMessageById, findReportById } from "../reports/queries";
import { digestIdOfDelivery, digestMessage } from "./digest";
import { followUpMessageIdOf } from "./followup";
import { type ReporterContact, alertText, alertTitle, firstLabel, followUpText, reportsPhrase } from "./message.pure";
import {
  type Alert,
  type Delivery,
  cancelDelivery,
  claimDelivery,
  componentName,
  eventIfChangedStatement,
  eventStatement,
  findAlert,
  findDelivery,
  insertDeliveryStatement,
  listDeliveries,
  listStuckDeliveries,
  markDeliveryFailedStatements,
  markDeliveryRetrying,
  markDeliverySentStatement,
  touchDeliveryStatement,
} from "./queries";

/** What sending uses: storage, the queue (fallbacks), settings (links) and the providers. */
export type DeliveryServices = Pick<Services, "db" | "queue" | "config" | "channelSettings">;

export const PROVIDER_TIMEOUT_MS = 10_000;
/** A claim older than this belongs to an invocation that died mid-send. */
const STALE_CLAIM_MS = 5 * 60_000;

/** Thrown to make the queue consumer retry, no sooner than the provider asked. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly minDelaySeconds: number | null,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

export function ackUrl(config: Pick<Config, "publicUrl">, token: string): string {
  return `${config.publicUrl}/ack/${token}`;
}

/** The first report of an alert: its reference and, on personal channels, how to reach its
 * reporter (see message.pure.ts for why shared channels never carry the contact). */
async function reporterOf(db: D1Database, reportId: string, personal: boolean): Promise<ReporterContact | null> {
  const report = await findReportById(db, reportId);
  if (!report) return null;
  const r = report.reporter;
  return personal ? { reference: report.reference, name: r.name, email: r.email, phone: r.phone } : { reference: report.reference, name: null, email: null, phone: null };
}

async function ackLink(svc: Pick<Services, "db" | "config">, claimId: string, personId: string, now: Date): Promise<{ url: string; token: string }> {
  const { config } = svc;
  // Without a signing key there can be no ack link, but a page without one is far better than
  // no page: it then points at the staff console, and assurance says what is wrong.
  if (!config.ackSigningKey) {
    await recordCheckFailure(svc.db, "ack-links", now, "ACK_SIGNING_KEY is not set: pages go out without acknowledgement links");
    return { url: `${config.publicUrl}/admin`, token: "" };
  }
  const token = await signAckToken(config.ackSigningKey, { alertId: claimId, personId, expiresAt: new Date(now.getTime() + config.ackLinkTtlHours * 3_600_000) });
  return { url: ackUrl(config, token), token };
}

/** What one notification says: a page (or its fallback, or a lifecycle notice), a digest, or
 * a reporter's follow-up; with the reporter's contact only on personal channels. */
export async function buildMessage(
  svc: Pick<Services, "db" | "config">,
  alert: Alert,
  d: Pick<Delivery, "id" | "personId" | "channel" | "purpose">,
  now: Date,
): Promise<AlertMessage> {
  const personal = (channels[d.channel] as ChannelAdapter).personal === true;
  const component = await componentName(svc.db, alert.componentId);
  const base = {
    alertId: alert.id,
    ackCode: alert.ackCode,
    what: component ?? alert.subject,
    component,
    subject: alert.subject,
    reportCount: alert.reportCount,
    reports: reportsPhrase(alert.reportCount),
    firstLabel: firstLabel(alert.reportCount),
    firstText: alert.firstText,
    urgency: alert.urgency,
  };

  const digestId = digestIdOfDelivery(d.id);
  if (d.purpose === "digest" && digestId) {
    const digest = await digestMessage(svc, digestId, d.personId, now);
    return { ...base, ackCode: "DIGEST", what: "Digest", firstText: digest.text, ackUrl: digest.ackUrl, ackToken: digest.ackToken, title: digest.title, text: digest.text, reporter: null };
  }

  const reporter = await reporterOf(svc.db, alert.firstReportId, personal);
  const link = alert.state === "triggered" ? await ackLink(svc, alert.id, d.personId, now) : { url: `${svc.config.publicUrl}/admin`, token: "" };
  const messageId = followUpMessageIdOf(d.id);
  if (d.purpose === "followup" && messageId) {
    const followUp = await findMessageById(svc.db, messageId);
    const of = followUp ? await reporterOf(svc.db, followUp.reportId, personal) : reporter;
    const text = followUpText({ siteName: siteConfig.name, ackCode: alert.ackCode, reporter: of, personal, body: followUp?.body ?? "", ackUrl: link.url });
    return { ...base, firstText: followUp?.body ?? "", ackUrl: link.url, ackToken: link.token, title: `Follow-up on ${of?.reference ?? `alert ${alert.ackCode}`}`, text, reporter: of };
  }

  const facts = {
    siteName: siteConfig.name,
    ackCode: alert.ackCode,
    component,
    subject: alert.subject,
    reportCount: alert.reportCount,
    firstText: alert.firstText,
    ackUrl: link.url,
    replyHint: d.channel === "sms",
    reporter,
    personal,
  };
  return { ...base, ackUrl: link.url, ackToken: link.token, title: `ALERT ${alert.ackCode}: ${alertTitle(facts)}`, text: alertText(facts), reporter };
}

export type SendOutcome = "sent" | "duplicate" | "cancelled" | "failed";

export async function sendNotification(svc: DeliveryServices, id: string, now: Date, opts: { timeoutMs?: number } = {}): Promise<SendOutcome> {
  const db = svc.db;
  const delivery = await findDelivery(db, id);
  if (!delivery) throw new Error(`delivery ${id} is not stored`);
  const alert = await findAlert(db, delivery.alertId);
  if (!alert) throw new Error(`alert ${delivery.alertId} of delivery ${id} is not stored`);
  const iso = now.toISOString();

  // A page for an alert somebody already took is noise: cancel it instead of sending.
  if ((delivery.purpose === "page" || delivery.purpose === "fallback") && alert.state !== "triggered") {
    await cancelDelivery(db, id, `not needed: alert ${alert.state}`, iso);
    return "cancelled";
  }

  // The claim: only one invocation sends; a redelivered message finds the row taken.
  if (!(await claimDelivery(db, id, iso, new Date(now.getTime() - STALE_CLAIM_MS).toISOString()))) return "duplicate";

  const adapter = channels[delivery.channel] as ChannelAdapter;
  const check = `channel:${delivery.channel}`;
  try {
    const message = await buildMessage(svc, alert, delivery, now);
    const result = await adapter.send(
      { settings: svc.channelSettings, deliveryId: id, purpose: delivery.purpose, timeoutMs: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS },
      delivery.target as never,
      message,
    );
    const done = new Date();
    await db.batch([
      markDeliverySentStatement(db, id, result.providerId, done.toISOString()),
      eventStatement(db, {
        alertId: alert.id,
        type: delivery.purpose === "page" || delivery.purpose === "fallback" ? "delivered" : `notified_${delivery.purpose}`,
        message: `${describe(delivery)}: delivered${delivery.attempts > 0 ? ` (attempt ${delivery.attempts + 1})` : ""}.`,
        detail: { delivery: id, channel: delivery.channel, provider_id: result.providerId },
        now: done,
      }),
    ]);
    await recordCheckSuccess(db, check, done, { delivery: id, latencyMs: done.getTime() - Date.parse(delivery.createdAt) });
    return "sent";
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    await recordCheckFailure(db, check, now, text);
    const retryable = !(err instanceof ChannelError) || err.retryable;
    if (retryable) {
      await markDeliveryRetrying(db, id, text, iso);
      throw new RetryLater(text, err instanceof ChannelError ? err.retryAfterSeconds : null);
    }
    await markFailed(db, delivery, text, now);
    await tryNextContactMethod(svc, delivery, now);
    return "failed";
  }
}

function describe(d: Pick<Delivery, "personName" | "channel" | "purpose">): string {
  const purpose = d.purpose === "fallback" ? " (fallback)" : d.purpose === "page" ? "" : ` (${d.purpose})`;
  return `${d.personName} by ${d.channel}${purpose}`;
}

async function markFailed(db: D1Database, delivery: Delivery, error: string, now: Date): Promise<boolean> {
  const [res] = await db.batch(markDeliveryFailedStatements(db, delivery, "unfinished", error, `${describe(delivery)}: failed for good: ${error.slice(0, 300)}`, now.toISOString()));
  return (res?.meta.changes ?? 0) === 1;
}

/**
 * A provider accepted a notification but reports later that it never arrived (Twilio's status
 * callback: an SMS "undelivered", a call "busy" or "no-answer"). The delivery turns failed and,
 * as with a dead letter, the person's next contact method is tried at once.
 */
export async function handleProviderFailure(svc: FanoutServices, id: string, providerId: string | null, error: string, now: Date): Promise<boolean> {
  const db = svc.db;
  const delivery = await findDelivery(db, id);
  if (!delivery || delivery.state !== "sent" || (providerId && delivery.providerId && providerId !== delivery.providerId)) return false;
  const [res] = await db.batch(markDeliveryFailedStatements(db, delivery, "sent", error, `${describe(delivery)}: not delivered: ${error.slice(0, 300)}`, now.toISOString()));
  if ((res?.meta.changes ?? 0) !== 1) return false;
  await recordCheckFailure(db, `channel:${delivery.channel}`, now, error);
  await tryNextContactMethod(svc, { ...delivery, state: "failed" }, now);
  return true;
}

/** The dead-letter consumer's part: a notification exhausted its retries. */
export async function handleDeadNotification(svc: FanoutServices, id: string, now: Date): Promise<void> {
  const delivery = await findDelivery(svc.db, id);
  if (!delivery) return;
  await markFailed(svc.db, delivery, `gave up after ${delivery.attempts} attempt(s): ${delivery.error ?? "unknown error"}`, now);
  await tryNextContactMethod(svc, delivery, now);
}

/**
 * A person's contact method failed for good. Unless another method already reached them on this
 * page, send the page again at once through their next method (in the order they asked for,
 * wrapping round). The fallback has its own notification id, so it too is sent once.
 */
export async function tryNextContactMethod(svc: FanoutServices, failed: Delivery, now: Date): Promise<string | null> {
  if (failed.purpose !== "page" && failed.purpose !== "fallback") return null;
  const db = svc.db;
  const alert = await findAlert(db, failed.alertId);
  if (!alert || alert.state !== "triggered" || !alert.plan) return null;
  const siblings = (await listDeliveries(db, alert.id)).filter((d) => d.level === failed.level && d.round === failed.round && d.personId === failed.personId);
  if (siblings.some((d) => d.state === "sent")) return null;
  const methods: ContactMethod[] = alert.plan.levels[failed.level]?.targets.find((t) => t.personId === failed.personId)?.contactMethods ?? [];
  if (methods.length < 2) {
    await db.batch([eventStatement(db, { alertId: alert.id, type: "no_fallback", message: `${failed.personName} has no other contact method to try.`, now })]);
    return null;
  }
  const next = (failed.methodIndex + 1) % methods.length;
  const id = `${alert.id}:${failed.level}:${failed.round}:${failed.personId}:${next}:fallback-after-${failed.methodIndex}`;
  const method = methods[next]!;
  const [inserted] = await db.batch([
    insertDeliveryStatement(
      db,
      { id, alertId: alert.id, level: failed.level, round: failed.round, personId: failed.personId, personName: failed.personName, methodIndex: next, channel: method.type, target: method, purpose: "fallback" },
      now,
    ),
    eventIfChangedStatement(db, alert.id, "fallback", `${failed.personName} by ${failed.channel} failed: trying ${method.type} at once.`, now.toISOString()),
  ]);
  if ((inserted?.meta.changes ?? 0) !== 1) return null;
  await svc.queue.send({ type: "notification.send", deliveryId: id });
  return id;
}

/** The outbox sweep: re-send notifications whose queue message may have been lost. */
export async function resendStuckDeliveries(svc: FanoutServices, now: Date): Promise<number> {
  const ids = await listStuckDeliveries(svc.db, now);
  if (ids.length === 0) return 0;
  await svc.db.batch(ids.map((id) => touchDeliveryStatement(svc.db, id, now.toISOString())));
  await svc.queue.sendAll(ids.map((deliveryId) => ({ type: "notification.send", deliveryId })));
  return ids.length;
}
