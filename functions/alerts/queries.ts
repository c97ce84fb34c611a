// Storage of alerts, their timeline and deliveries (migrations/0005_alerts.sql). Small
// functions taking the binding first, `?1` placeholders, and row -> domain mappers.
import type { ChannelType, ContactMethod, EscalationPlan } from "../oncall/config";
import type { OpenAlert } from "./grouping";

export type AlertState = "triggered" | "acknowledged" | "resolved" | "merged";

export interface Alert {
  id: string;
  groupKey: string;
  componentId: string | null;
  channel: string;
  urgency: string;
  subject: string;
  firstReportId: string;
  firstText: string;
  reportCount: number;
  ackCode: string;
  state: AlertState;
  mergedInto: string | null;
  plan: EscalationPlan | null;
  /** The level paged last (-1 before the first page). */
  level: number;
  round: number;
  nextEscalationAt: string | null;
  createdAt: string;
  lastReportAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

interface AlertRow {
  id: string;
  group_key: string;
  component_id: string | null;
  channel: string;
  urgency: string;
  subject: string;
  first_report_id: string;
  first_text: string;
  report_count: number;
  ack_code: string;
  state: AlertState;
  merged_into: string | null;
  plan: string | null;
  level: number;
  round: number;
  next_escalation_at: string | null;
  created_at: string;
  last_report_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

export function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    groupKey: r.group_key,
    componentId: r.component_id,
    channel: r.channel,
    urgency: r.urgency,
    subject: r.subject,
    firstReportId: r.first_report_id,
    firstText: r.first_text,
    reportCount: r.report_count,
    ackCode: r.ack_code,
    state: r.state,
    mergedInto: r.merged_into,
    plan: r.plan ? (JSON.parse(r.plan) as EscalationPlan) : null,
    level: r.level,
    round: r.round,
    nextEscalationAt: r.next_escalation_at,
    createdAt: r.created_at,
    lastReportAt: r.last_report_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
  };
}

export async function findAlert(db: D1Database, id: string): Promise<Alert | null> {
  const row = await db.prepare("SELECT * FROM alerts WHERE id = ?1").bind(id).first<AlertRow>();
  return row ? toAlert(row) : null;
}

export async function listAlerts(db: D1Database, opts: { state?: AlertState; limit: number }): Promise<Alert[]> {
  const { results } = opts.state
    ? await db.prepare("SELECT * FROM alerts WHERE state = ?1 ORDER BY created_at DESC LIMIT ?2").bind(opts.state, opts.limit).all<AlertRow>()
    : await db.prepare("SELECT * FROM alerts WHERE state != 'merged' ORDER BY created_at DESC LIMIT ?1").bind(opts.limit).all<AlertRow>();
  return results.map(toAlert);
}

/** Open alerts that may still take reports (the grouping window is applied by chooseAlert). */
export async function listOpenAlerts(db: D1Database, since: string): Promise<OpenAlert[]> {
  const { results } = await db
    .prepare("SELECT id, component_id, subject, created_at, last_report_at FROM alerts WHERE state IN ('triggered','acknowledged') AND last_report_at >= ?1")
    .bind(since)
    .all<{ id: string; component_id: string | null; subject: string; created_at: string; last_report_at: string }>();
  return results.map((r) => ({ id: r.id, componentId: r.component_id, subject: r.subject, createdAt: r.created_at, lastReportAt: r.last_report_at }));
}

export async function listDueAlerts(db: D1Database, now: Date, limit = 100): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM alerts WHERE state = 'triggered' AND next_escalation_at IS NOT NULL AND next_escalation_at <= ?1 ORDER BY next_escalation_at LIMIT ?2")
    .bind(now.toISOString(), limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function findAlertByAckCode(db: D1Database, code: string): Promise<Alert | null> {
  const row = await db.prepare("SELECT * FROM alerts WHERE ack_code = ?1 AND state != 'merged' ORDER BY created_at DESC LIMIT 1").bind(code).first<AlertRow>();
  return row ? toAlert(row) : null;
}

export async function componentName(db: D1Database, componentId: string | null): Promise<string | null> {
  if (!componentId) return null;
  const row = await db.prepare("SELECT name FROM components WHERE id = ?1").bind(componentId).first<{ name: string }>();
  return row?.name ?? null;
}

export function eventStatement(db: D1Database, e: { alertId: string; type: string; message: string; actor?: string | null; detail?: unknown; now: Date }): D1PreparedStatement {
  return db
    .prepare("INSERT INTO alert_events (alert_id, type, message, actor, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(e.alertId, e.type, e.message, e.actor ?? null, e.detail === undefined ? null : JSON.stringify(e.detail), e.now.toISOString());
}

export interface AlertEvent {
  type: string;
  message: string;
  actor: string | null;
  detail: unknown;
  createdAt: string;
}

/**
 * The timeline. A storm adds one "report_added" event per report: only the first
 * `reportEvents` of those are listed (the alert's report_count has the total), so that the
 * escalation steps after them are never pushed out of sight.
 */
export async function listEvents(db: D1Database, alertId: string, reportEvents = 20): Promise<AlertEvent[]> {
  const { results } = await db
    .prepare(
      `SELECT type, message, actor, detail, created_at FROM alert_events WHERE alert_id = ?1
         AND (type != 'report_added' OR id IN (SELECT id FROM alert_events WHERE alert_id = ?1 AND type = 'report_added' ORDER BY id LIMIT ?2))
       ORDER BY id LIMIT 1000`,
    )
    .bind(alertId, reportEvents)
    .all<{ type: string; message: string; actor: string | null; detail: string | null; created_at: string }>();
  return results.map((r) => ({ type: r.type, message: r.message, actor: r.actor, detail: r.detail ? JSON.parse(r.detail) : null, createdAt: r.created_at }));
}

// --- deliveries -------------------------------------------------------------------------------

export type DeliveryState = "queued" | "sending" | "retrying" | "sent" | "failed" | "cancelled";
export type DeliveryPurpose = "page" | "fallback" | "acknowledge" | "resolve";

export interface Delivery {
  id: string;
  alertId: string;
  level: number;
  round: number;
  personId: string;
  personName: string;
  methodIndex: number;
  channel: ChannelType;
  target: ContactMethod;
  purpose: DeliveryPurpose;
  state: DeliveryState;
  attempts: number;
  providerId: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

interface DeliveryRow {
  id: string;
  alert_id: string;
  level: number;
  round: number;
  person_id: string;
  person_name: string;
  method_index: number;
  channel: ChannelType;
  target: string;
  purpose: DeliveryPurpose;
  state: DeliveryState;
  attempts: number;
  provider_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    alertId: r.alert_id,
    level: r.level,
    round: r.round,
    personId: r.person_id,
    personName: r.person_name,
    methodIndex: r.method_index,
    channel: r.channel,
    target: JSON.parse(r.target) as ContactMethod,
    purpose: r.purpose,
    state: r.state,
    attempts: r.attempts,
    providerId: r.provider_id,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
  };
}

export async function findDelivery(db: D1Database, id: string): Promise<Delivery | null> {
  const row = await db.prepare("SELECT * FROM deliveries WHERE id = ?1").bind(id).first<DeliveryRow>();
  return row ? toDelivery(row) : null;
}

export async function listDeliveries(db: D1Database, alertId: string): Promise<Delivery[]> {
  const { results } = await db.prepare("SELECT * FROM deliveries WHERE alert_id = ?1 ORDER BY created_at, id").bind(alertId).all<DeliveryRow>();
  return results.map(toDelivery);
}

export function insertDeliveryStatement(
  db: D1Database,
  d: Pick<Delivery, "id" | "alertId" | "level" | "round" | "personId" | "personName" | "methodIndex" | "channel" | "target" | "purpose">,
  now: Date,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO deliveries (id, alert_id, level, round, person_id, person_name, method_index, channel, target, purpose, state, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, ?11) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(d.id, d.alertId, d.level, d.round, d.personId, d.personName, d.methodIndex, d.channel, JSON.stringify(d.target), d.purpose, now.toISOString());
}

/** The notification id: one per alert, level, round, person and contact method. */
export function deliveryId(alertId: string, level: number, round: number, personId: string, methodIndex: number): string {
  return `${alertId}:${level}:${round}:${personId}:${methodIndex}`;
}

/**
 * Deliveries whose queue message may be lost: queued and never picked up, or picked up by an
 * invocation that died mid-send. Re-sending them is harmless (the claim decides who sends).
 */
export async function listStuckDeliveries(db: D1Database, now: Date, limit = 200): Promise<string[]> {
  const queuedBefore = new Date(now.getTime() - 60_000).toISOString();
  const sendingBefore = new Date(now.getTime() - 5 * 60_000).toISOString();
  const retryingBefore = new Date(now.getTime() - 15 * 60_000).toISOString();
  const { results } = await db
    .prepare(
      `SELECT id FROM deliveries WHERE (state = 'queued' AND updated_at < ?1) OR (state = 'sending' AND updated_at < ?2)
         OR (state = 'retrying' AND updated_at < ?3) ORDER BY updated_at LIMIT ?4`,
    )
    .bind(queuedBefore, sendingBefore, retryingBefore, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
