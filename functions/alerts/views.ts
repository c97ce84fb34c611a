// Alerts as staff see them (the staff alert API, and the alert of a report in the inbox):
// the alert, its timeline and its deliveries, never a full webhook URL or key.
import { componentName, findAlert, listDeliveries, listEvents, type Alert, type Delivery } from "./queries";

export function alertBody(alert: Alert, extra: { component?: string | null; events?: unknown; deliveries?: Delivery[] } = {}) {
  return {
    id: alert.id,
    code: alert.ackCode,
    state: alert.state,
    subject: alert.subject,
    component_id: alert.componentId,
    component: extra.component,
    report_count: alert.reportCount,
    first_text: alert.firstText,
    policy: alert.plan?.policyId ?? null,
    level: alert.level + 1,
    round: alert.round,
    next_escalation_at: alert.nextEscalationAt,
    created_at: alert.createdAt,
    last_report_at: alert.lastReportAt,
    acknowledged_at: alert.acknowledgedAt,
    acknowledged_by: alert.acknowledgedBy,
    resolved_at: alert.resolvedAt,
    resolved_by: alert.resolvedBy,
    merged_into: alert.mergedInto,
    /** Held behind this alert of the same policy: told in digests, pages when that one is taken. */
    held_by: alert.heldBy,
    incident_id: alert.incidentId,
    ...(extra.events ? { events: extra.events } : {}),
    ...(extra.deliveries ? { deliveries: extra.deliveries.map(deliveryBody) } : {}),
  };
}

/** A delivery for staff eyes: the target's kind and a hint, never a full webhook URL. */
export function deliveryBody(d: Delivery) {
  const t = d.target;
  const target =
    t.type === "email" ? t.address : t.type === "sms" || t.type === "voice" ? t.number : t.type === "telegram" ? t.chatId : t.type === "ntfy" ? t.topic : `${t.type} (secret URL or key)`;
  return {
    id: d.id,
    level: d.level + 1,
    round: d.round,
    person_id: d.personId,
    person: d.personName,
    channel: d.channel,
    target,
    purpose: d.purpose,
    state: d.state,
    attempts: d.attempts,
    provider_id: d.providerId,
    error: d.error,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    sent_at: d.sentAt,
  };
}

/** The alert, its timeline and deliveries as staff see them. */
export async function alertDetails(db: D1Database, alertId: string) {
  const alert = await findAlert(db, alertId);
  if (!alert) return null;
  const [component, events, deliveries] = await Promise.all([componentName(db, alert.componentId), listEvents(db, alertId), listDeliveries(db, alertId)]);
  return alertBody(alert, {
    component,
    events: events.map((e) => ({ type: e.type, message: e.message, actor: e.actor, detail: e.detail, created_at: e.createdAt })),
    deliveries,
  });
}
