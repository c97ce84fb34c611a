// Sending one notification (a deliveries row), exactly once per notification id:
//   claim (state transition in D1) -> call the provider -> record the outcome.
// A redelivered queue message finds the row claimed or sent and does nothing. Retryable
// failures go back on the queue with exponential backoff (at least the provider's
// Retry-After); exhausted ones reach the dead-letter queue, whose consumer records the failure
// and tries the person's next contact method at once. Permanent failures skip the retries.
import { siteConfig } from "../../site.config";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/checks";
import { channels } from "../channels/registry";
import { ChannelError, type AlertMessage, type ChannelAdapter } from "../channels/types";
import type { ContactMethod } from "../oncall/config";
import { signAckToken } from "./ack-token";
import { enqueueJobs } from "./lifecycle";
import { alertText, alertTitle } from "./message";
import { type Alert, type Delivery, componentName, eventStatement, findAlert, findDelivery, insertDeliveryStatement, listDeliveries, listStuckDeliveries } from "./queries";

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

export function ackUrl(env: Env, token: string): string {
  return `${env.PUBLIC_URL.replace(/\/+$/, "")}/ack/${token}`;
}

export async function buildMessage(env: Env, alert: Alert, personId: string, now: Date, channel?: string): Promise<AlertMessage> {
  const ttlHours = Number(env.ACK_LINK_TTL_HOURS) > 0 ? Number(env.ACK_LINK_TTL_HOURS) : 72;
  // Without a signing key there can be no ack link, but a page without one is far better than
  // no page: it then points at the staff console, and assurance says what is wrong.
  let token = "";
  if (env.ACK_SIGNING_KEY) {
    token = await signAckToken(env.ACK_SIGNING_KEY, { alertId: alert.id, personId, expiresAt: new Date(now.getTime() + ttlHours * 3_600_000) });
  } else {
    await recordCheckFailure(env.DB, "ack-links", now, "ACK_SIGNING_KEY is not set: pages go out without acknowledgement links");
  }
  const component = await componentName(env.DB, alert.componentId);
  const facts = {
    siteName: siteConfig.name,
    ackCode: alert.ackCode,
    component,
    subject: alert.subject,
    reportCount: alert.reportCount,
    firstText: alert.firstText,
    ackUrl: token ? ackUrl(env, token) : `${env.PUBLIC_URL.replace(/\/+$/, "")}/admin`,
    replyHint: channel === "sms",
  };
  return {
    alertId: alert.id,
    ackCode: alert.ackCode,
    what: component ?? alert.subject,
    component,
    subject: alert.subject,
    reportCount: alert.reportCount,
    firstText: alert.firstText,
    urgency: alert.urgency,
    ackUrl: facts.ackUrl,
    ackToken: token,
    title: `ALERT ${alert.ackCode}: ${alertTitle(facts)}`,
    text: alertText(facts),
  };
}

export type SendOutcome = "sent" | "duplicate" | "cancelled" | "failed";

export async function sendNotification(env: Env, id: string, now: Date, opts: { timeoutMs?: number } = {}): Promise<SendOutcome> {
  const db = env.DB;
  const delivery = await findDelivery(db, id);
  if (!delivery) throw new Error(`delivery ${id} is not stored`);
  const alert = await findAlert(db, delivery.alertId);
  if (!alert) throw new Error(`alert ${delivery.alertId} of delivery ${id} is not stored`);
  const iso = now.toISOString();

  // A page for an alert somebody already took is noise: cancel it instead of sending.
  if ((delivery.purpose === "page" || delivery.purpose === "fallback") && alert.state !== "triggered") {
    await db
      .prepare("UPDATE deliveries SET state = 'cancelled', updated_at = ?2, error = ?3 WHERE id = ?1 AND state IN ('queued','retrying')")
      .bind(id, iso, `not needed: alert ${alert.state}`)
      .run();
    return "cancelled";
  }

  // The claim: only one invocation moves the row to 'sending'. Sent, failed, cancelled and
  // freshly claimed rows are left alone, which is what makes a redelivered message harmless.
  const claim = await db
    .prepare(
      `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?2
       WHERE id = ?1 AND (state IN ('queued','retrying') OR (state = 'sending' AND updated_at < ?3))`,
    )
    .bind(id, iso, new Date(now.getTime() - STALE_CLAIM_MS).toISOString())
    .run();
  if (claim.meta.changes !== 1) return "duplicate";

  const adapter = channels[delivery.channel] as ChannelAdapter;
  const check = `channel:${delivery.channel}`;
  try {
    const message = await buildMessage(env, alert, delivery.personId, now, delivery.channel);
    const result = await adapter.send(
      { settings: env, deliveryId: id, purpose: delivery.purpose, timeoutMs: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS },
      delivery.target as never,
      message,
    );
    const done = new Date();
    await db.batch([
      db
        .prepare("UPDATE deliveries SET state = 'sent', provider_id = ?2, error = NULL, sent_at = ?3, updated_at = ?3 WHERE id = ?1")
        .bind(id, result.providerId, done.toISOString()),
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
      await db.prepare("UPDATE deliveries SET state = 'retrying', error = ?2, updated_at = ?3 WHERE id = ?1").bind(id, text.slice(0, 1000), iso).run();
      throw new RetryLater(text, err instanceof ChannelError ? err.retryAfterSeconds : null);
    }
    await markFailed(env, delivery, text, now);
    await tryNextContactMethod(env, delivery, now);
    return "failed";
  }
}

function describe(d: Pick<Delivery, "personName" | "channel" | "purpose">): string {
  const purpose = d.purpose === "fallback" ? " (fallback)" : d.purpose === "page" ? "" : ` (${d.purpose})`;
  return `${d.personName} by ${d.channel}${purpose}`;
}

async function markFailed(env: Env, delivery: Delivery, error: string, now: Date): Promise<boolean> {
  const db = env.DB;
  const [res] = await db.batch([
    db.prepare("UPDATE deliveries SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1 AND state NOT IN ('sent','failed','cancelled')").bind(delivery.id, error.slice(0, 1000), now.toISOString()),
    db
      .prepare("INSERT INTO alert_events (alert_id, type, message, detail, created_at) SELECT ?1, 'delivery_failed', ?2, ?3, ?4 WHERE changes() = 1")
      .bind(delivery.alertId, `${describe(delivery)}: failed for good: ${error.slice(0, 300)}`, JSON.stringify({ delivery: delivery.id, channel: delivery.channel }), now.toISOString()),
  ]);
  return (res?.meta.changes ?? 0) === 1;
}

/**
 * A provider accepted a notification but reports later that it never arrived (Twilio's status
 * callback: an SMS "undelivered", a call "busy" or "no-answer"). The delivery turns failed and,
 * as with a dead letter, the person's next contact method is tried at once.
 */
export async function handleProviderFailure(env: Env, id: string, providerId: string | null, error: string, now: Date): Promise<boolean> {
  const delivery = await findDelivery(env.DB, id);
  if (!delivery || delivery.state !== "sent" || (providerId && delivery.providerId && providerId !== delivery.providerId)) return false;
  const db = env.DB;
  const [res] = await db.batch([
    db.prepare("UPDATE deliveries SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'sent'").bind(id, error.slice(0, 1000), now.toISOString()),
    db
      .prepare("INSERT INTO alert_events (alert_id, type, message, detail, created_at) SELECT ?1, 'delivery_failed', ?2, ?3, ?4 WHERE changes() = 1")
      .bind(delivery.alertId, `${describe(delivery)}: not delivered: ${error.slice(0, 300)}`, JSON.stringify({ delivery: id, channel: delivery.channel }), now.toISOString()),
  ]);
  if ((res?.meta.changes ?? 0) !== 1) return false;
  await recordCheckFailure(db, `channel:${delivery.channel}`, now, error);
  await tryNextContactMethod(env, { ...delivery, state: "failed" }, now);
  return true;
}

/** The dead-letter consumer's part: a notification exhausted its retries. */
export async function handleDeadNotification(env: Env, id: string, now: Date): Promise<void> {
  const delivery = await findDelivery(env.DB, id);
  if (!delivery) return;
  await markFailed(env, delivery, `gave up after ${delivery.attempts} attempt(s): ${delivery.error ?? "unknown error"}`, now);
  await tryNextContactMethod(env, delivery, now);
}

/**
 * A person's contact method failed for good. Unless another method already reached them on this
 * page, send the page again at once through their next method (in the order they asked for,
 * wrapping round). The fallback has its own notification id, so it too is sent once.
 */
export async function tryNextContactMethod(env: Env, failed: Delivery, now: Date): Promise<string | null> {
  if (failed.purpose !== "page" && failed.purpose !== "fallback") return null;
  const alert = await findAlert(env.DB, failed.alertId);
  if (!alert || alert.state !== "triggered" || !alert.plan) return null;
  const siblings = (await listDeliveries(env.DB, alert.id)).filter((d) => d.level === failed.level && d.round === failed.round && d.personId === failed.personId);
  if (siblings.some((d) => d.state === "sent")) return null;
  const methods: ContactMethod[] = alert.plan.levels[failed.level]?.targets.find((t) => t.personId === failed.personId)?.contactMethods ?? [];
  if (methods.length < 2) {
    await env.DB.batch([eventStatement(env.DB, { alertId: alert.id, type: "no_fallback", message: `${failed.personName} has no other contact method to try.`, now })]);
    return null;
  }
  const next = (failed.methodIndex + 1) % methods.length;
  const id = `${alert.id}:${failed.level}:${failed.round}:${failed.personId}:${next}:fallback-after-${failed.methodIndex}`;
  const method = methods[next]!;
  const [inserted] = await env.DB.batch([
    insertDeliveryStatement(
      env.DB,
      { id, alertId: alert.id, level: failed.level, round: failed.round, personId: failed.personId, personName: failed.personName, methodIndex: next, channel: method.type, target: method, purpose: "fallback" },
      now,
    ),
    env.DB
      .prepare("INSERT INTO alert_events (alert_id, type, message, created_at) SELECT ?1, 'fallback', ?2, ?3 WHERE changes() = 1")
      .bind(alert.id, `${failed.personName} by ${failed.channel} failed: trying ${method.type} at once.`, now.toISOString()),
  ]);
  if ((inserted?.meta.changes ?? 0) !== 1) return null;
  await enqueueJobs(env, [{ type: "notification.send", deliveryId: id }]);
  return id;
}

/** The outbox sweep: re-send notifications whose queue message may have been lost. */
export async function resendStuckDeliveries(env: Env, now: Date): Promise<number> {
  const ids = await listStuckDeliveries(env.DB, now);
  if (ids.length === 0) return 0;
  // Touch queued/retrying rows so the next sweep waits again (a stale 'sending' claim must
  // stay stale, or nobody could take it over).
  await env.DB.batch(
    ids.map((id) => env.DB.prepare("UPDATE deliveries SET updated_at = ?2 WHERE id = ?1 AND state IN ('queued','retrying')").bind(id, now.toISOString())),
  );
  await enqueueJobs(env, ids.map((deliveryId) => ({ type: "notification.send", deliveryId })));
  return ids.length;
}
