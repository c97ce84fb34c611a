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
  policyId: string | null;
  /** The alert whose unacknowledged page holds this one back (it reaches people in digests). */
  heldBy: string | null;
  acknowledgedPersonId: string | null;
  incidentId: string | null;
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
  policy_id: string | null;
  held_by: string | null;
  acknowledged_person_id: string | null;
  incident_id: string | null;
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
    policyId: r.policy_id,
    heldBy: r.held_by,
    acknowledgedPersonId: r.acknowledged_person_id,
    incidentId: r.incident_id,
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
    .prepare("SELECT id, component_id, subject, created_at, last_report_at FROM alerts WHERE state IN ('triggered','acknowledged') AND last_report_at >= ?1 AND incident_id IS NULL")
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
export type DeliveryPurpose = "page" | "fallback" | "acknowledge" | "resolve" | "digest" | "followup";

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

// --- alert lifecycle writes (statements for one batch) ---------------------------------------

export interface NewAlert {
  id: string;
  groupKey: string;
  componentId: string | null;
  channel: string;
  urgency: string;
  subject: string;
  firstReportId: string;
  firstText: string;
  ackCode: string;
  plan: EscalationPlan | null;
  /** When the first page falls due: at once when there is somebody to page, else never. */
  dueAt: string | null;
  now: string;
  /** Alerts of a known incident start acknowledged: staff know; people hear in the digest. */
  state?: "triggered" | "acknowledged";
  acknowledgedBy?: string | null;
  incidentId?: string | null;
}

export function insertAlertStatement(db: D1Database, a: NewAlert): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO alerts (id, group_key, component_id, channel, urgency, subject, first_report_id, first_text, report_count,
         ack_code, state, plan, level, round, next_escalation_at, created_at, last_report_at, policy_id, acknowledged_at, acknowledged_by, incident_id)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?13, ?10, -1, 0, ?12, ?11, ?11, ?14, CASE WHEN ?13 = 'acknowledged' THEN ?11 END, ?15, ?16)`,
    )
    .bind(
      a.id,
      a.groupKey,
      a.componentId,
      a.channel,
      a.urgency,
      a.subject,
      a.firstReportId,
      a.firstText,
      a.ackCode,
      a.plan ? JSON.stringify(a.plan) : null,
      a.now,
      a.dueAt,
      a.state ?? "triggered",
      a.plan?.policyId ?? null,
      a.acknowledgedBy ?? null,
      a.incidentId ?? null,
    );
}

/** The open alert of a signal's outage (its key), the oldest when a race made two. */
export async function findOpenSignalAlert(db: D1Database, key: string): Promise<Alert | null> {
  const row = await db
    .prepare("SELECT * FROM alerts WHERE group_key = ?1 AND state IN ('triggered','acknowledged') ORDER BY created_at, id LIMIT 1")
    .bind(`signal:${key}`)
    .first<AlertRow>();
  return row ? toAlert(row) : null;
}

/** The open alert collecting reports about a known incident, if there is one. */
export async function findIncidentAlert(db: D1Database, incidentId: string): Promise<Alert | null> {
  const row = await db
    .prepare("SELECT * FROM alerts WHERE incident_id = ?1 AND state IN ('triggered','acknowledged') ORDER BY created_at LIMIT 1")
    .bind(incidentId)
    .first<AlertRow>();
  return row ? toAlert(row) : null;
}

/** A "report_added" event, written only when the statement just before it changed a row
 * (the report was linked now, not by an earlier delivery of the same job). */
export function reportAddedEventStatement(db: D1Database, alertId: string, reference: string, now: string): D1PreparedStatement {
  return db
    .prepare("INSERT INTO alert_events (alert_id, type, message, detail, created_at) SELECT ?1, 'report_added', ?2, ?3, ?4 WHERE changes() = 1")
    .bind(alertId, `Report ${reference} joined the alert.`, JSON.stringify({ reference: reference.split(" ")[0] }), now);
}

/** Recounts an alert's reports from the reports table, the truth (a repeated job changes nothing). */
export function recountAlertStatement(db: D1Database, alertId: string, lastReportAt?: string): D1PreparedStatement {
  return lastReportAt
    ? db
        .prepare("UPDATE alerts SET report_count = (SELECT COUNT(*) FROM reports WHERE alert_id = ?1), last_report_at = MAX(last_report_at, ?2) WHERE id = ?1")
        .bind(alertId, lastReportAt)
    : db.prepare("UPDATE alerts SET report_count = (SELECT COUNT(*) FROM reports WHERE alert_id = ?1) WHERE id = ?1").bind(alertId);
}

export function markMergedStatement(db: D1Database, alertId: string, intoId: string): D1PreparedStatement {
  return db.prepare("UPDATE alerts SET state = 'merged', merged_into = ?2, next_escalation_at = NULL WHERE id = ?1").bind(alertId, intoId);
}

/** The "paged" event of a step, written only if no earlier call claimed the same page. */
export function pagedEventStatement(db: D1Database, e: { alertId: string; level: number; round: number; message: string; detail: unknown; now: string }): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO alert_events (alert_id, type, message, detail, created_at)
       SELECT ?1, 'paged', ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM alert_pages WHERE alert_id = ?1 AND level = ?5 AND round = ?6)`,
    )
    .bind(e.alertId, e.message, JSON.stringify(e.detail), e.now, e.level, e.round);
}

/** Claims a page (alert + level + round): exactly one caller changes a row. */
export function claimPageStatement(db: D1Database, alertId: string, level: number, round: number, now: string): D1PreparedStatement {
  return db.prepare("INSERT INTO alert_pages (alert_id, level, round, paged_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING").bind(alertId, level, round, now);
}

/** Moves the alert to a step and sets its timer; only ever forward, so a late duplicate of
 * an earlier step cannot wind it back. */
export function advanceAlertStatement(db: D1Database, alertId: string, level: number, round: number, dueAt: string, ordinal: number): D1PreparedStatement {
  return db
    .prepare("UPDATE alerts SET level = ?2, round = ?3, next_escalation_at = ?4 WHERE id = ?1 AND state = 'triggered' AND round * 100 + level < ?5")
    .bind(alertId, level, round, dueAt, ordinal);
}

/** The policy ran out: the timer stops (once), and an "exhausted" event says so. */
export function exhaustAlertStatements(db: D1Database, alert: Pick<Alert, "id" | "level" | "round">, message: string, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare("UPDATE alerts SET next_escalation_at = NULL WHERE id = ?1 AND state = 'triggered' AND level = ?2 AND round = ?3 AND next_escalation_at IS NOT NULL")
      .bind(alert.id, alert.level, alert.round),
    db.prepare("INSERT INTO alert_events (alert_id, type, message, created_at) SELECT ?1, 'exhausted', ?2, ?3 WHERE changes() = 1").bind(alert.id, message, now),
  ];
}

/** Acknowledge (from triggered) or resolve (from triggered or acknowledged); the timer stops. */
export function closeAlertStatement(db: D1Database, alertId: string, to: "acknowledged" | "resolved", actor: string, now: string, personId: string | null = null): D1PreparedStatement {
  return to === "acknowledged"
    ? db
        .prepare(
          "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3, acknowledged_person_id = ?4, next_escalation_at = NULL, held_by = NULL WHERE id = ?1 AND state IN ('triggered')",
        )
        .bind(alertId, now, actor, personId)
    : db
        .prepare("UPDATE alerts SET state = 'resolved', resolved_at = ?2, resolved_by = ?3, next_escalation_at = NULL, held_by = NULL WHERE id = ?1 AND state IN ('triggered','acknowledged')")
        .bind(alertId, now, actor);
}

/** The event of a close, written only when the statement before it changed the alert. */
export function closedEventStatement(db: D1Database, alertId: string, to: "acknowledged" | "resolved", message: string, actor: string, detail: unknown, now: string): D1PreparedStatement {
  return db
    .prepare("INSERT INTO alert_events (alert_id, type, message, actor, detail, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1")
    .bind(alertId, to, message, actor, JSON.stringify(detail), now);
}

/** Pages still waiting to go out are not needed once somebody took the alert. */
export function cancelPendingPagesStatement(db: D1Database, alertId: string, why: string, now: string): D1PreparedStatement {
  return db
    .prepare("UPDATE deliveries SET state = 'cancelled', updated_at = ?2, error = ?3 WHERE alert_id = ?1 AND state IN ('queued','retrying') AND purpose IN ('page','fallback')")
    .bind(alertId, now, why);
}

// --- delivery state transitions ----------------------------------------------------------------

export async function cancelDelivery(db: D1Database, id: string, why: string, now: string): Promise<void> {
  await db.prepare("UPDATE deliveries SET state = 'cancelled', updated_at = ?2, error = ?3 WHERE id = ?1 AND state IN ('queued','retrying')").bind(id, now, why).run();
}

/**
 * The claim: only one invocation moves the row to 'sending'. Sent, failed, cancelled and
 * freshly claimed rows are left alone, which is what makes a redelivered message harmless;
 * a claim older than `staleBefore` belongs to an invocation that died mid-send.
 */
export async function claimDelivery(db: D1Database, id: string, now: string, staleBefore: string): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?2
       WHERE id = ?1 AND (state IN ('queued','retrying') OR (state = 'sending' AND updated_at < ?3))`,
    )
    .bind(id, now, staleBefore)
    .run();
  return res.meta.changes === 1;
}

export function markDeliverySentStatement(db: D1Database, id: string, providerId: string | null, now: string): D1PreparedStatement {
  return db.prepare("UPDATE deliveries SET state = 'sent', provider_id = ?2, error = NULL, sent_at = ?3, updated_at = ?3 WHERE id = ?1").bind(id, providerId, now);
}

export async function markDeliveryRetrying(db: D1Database, id: string, error: string, now: string): Promise<void> {
  await db.prepare("UPDATE deliveries SET state = 'retrying', error = ?2, updated_at = ?3 WHERE id = ?1").bind(id, error.slice(0, 1000), now).run();
}

/** Failed for good (from any unfinished state, or from sent when the provider reports later
 * that it never arrived); the event is written only when this call changed the row. */
export function markDeliveryFailedStatements(
  db: D1Database,
  d: Pick<Delivery, "id" | "alertId" | "channel">,
  from: "unfinished" | "sent",
  error: string,
  eventMessage: string,
  now: string,
): D1PreparedStatement[] {
  const guard = from === "sent" ? "state = 'sent'" : "state NOT IN ('sent','failed','cancelled')";
  return [
    db.prepare(`UPDATE deliveries SET state = 'failed', error = ?2, updated_at = ?3 WHERE id = ?1 AND ${guard}`).bind(d.id, error.slice(0, 1000), now),
    db
      .prepare("INSERT INTO alert_events (alert_id, type, message, detail, created_at) SELECT ?1, 'delivery_failed', ?2, ?3, ?4 WHERE changes() = 1")
      .bind(d.alertId, eventMessage, JSON.stringify({ delivery: d.id, channel: d.channel }), now),
  ];
}

/** An event written only when the statement before it inserted a row (a fallback's delivery). */
export function eventIfChangedStatement(db: D1Database, alertId: string, type: string, message: string, now: string): D1PreparedStatement {
  return db.prepare("INSERT INTO alert_events (alert_id, type, message, created_at) SELECT ?1, ?2, ?3, ?4 WHERE changes() = 1").bind(alertId, type, message, now);
}

/** Pushes queued/retrying rows' clocks forward so the next sweep waits again (a stale
 * 'sending' claim must stay stale, or nobody could take it over). */
export function touchDeliveryStatement(db: D1Database, id: string, now: string): D1PreparedStatement {
  return db.prepare("UPDATE deliveries SET updated_at = ?2 WHERE id = ?1 AND state IN ('queued','retrying')").bind(id, now);
}

// --- who acknowledges ----------------------------------------------------------------------------

/** The person's name as paged (from the delivery rows), else null. */
export async function pagedPersonName(db: D1Database, alertId: string, personId: string): Promise<string | null> {
  const row = await db.prepare("SELECT person_name FROM deliveries WHERE alert_id = ?1 AND person_id = ?2 LIMIT 1").bind(alertId, personId).first<{ person_name: string }>();
  return row?.person_name ?? null;
}

/** Email notifications sent with one of these Message-IDs (a reply or bounce names them). */
export async function findEmailDeliveriesByProviderIds(db: D1Database, providerIds: string[]): Promise<Delivery[]> {
  if (providerIds.length === 0) return [];
  const { results } = await db
    .prepare("SELECT * FROM deliveries WHERE channel = 'email' AND provider_id IN (SELECT value FROM json_each(?1)) ORDER BY created_at DESC LIMIT 5")
    .bind(JSON.stringify(providerIds.slice(0, 50)))
    .all<DeliveryRow>();
  return results.map(toDelivery);
}

/** Who an alert was paged to by email at `address` (an "ack" reply must come from one). */
export async function personPagedByEmail(db: D1Database, alertId: string, address: string): Promise<{ personId: string; personName: string } | null> {
  const row = await db
    .prepare("SELECT person_id, person_name FROM deliveries WHERE alert_id = ?1 AND channel = 'email' AND lower(json_extract(target, '$.address')) = ?2 LIMIT 1")
    .bind(alertId, address.toLowerCase())
    .first<{ person_id: string; person_name: string }>();
  return row ? { personId: row.person_id, personName: row.person_name } : null;
}

/** Open alerts paged to a phone number by SMS or voice since `since`, newest first, each with
 * the person it was paged to; `code` narrows to one alert. */
export async function openAlertsPagedToNumber(
  db: D1Database,
  number: string,
  opts: { code: string | null; since: string | null },
): Promise<Array<{ alertId: string; ackCode: string; personId: string; personName: string }>> {
  const { results } = await db
    .prepare(
      `SELECT d.alert_id, a.ack_code, d.person_id, d.person_name, MAX(d.created_at) AS paged_at FROM deliveries d JOIN alerts a ON a.id = d.alert_id
       WHERE d.channel IN ('sms','voice') AND json_extract(d.target, '$.number') = ?1 AND a.state = 'triggered'
         AND (?2 IS NULL OR a.ack_code = ?2) AND (?3 IS NULL OR d.created_at >= ?3)
       GROUP BY d.alert_id ORDER BY paged_at DESC LIMIT 10`,
    )
    .bind(number, opts.code, opts.since)
    .all<{ alert_id: string; ack_code: string; person_id: string; person_name: string }>();
  return results.map((r) => ({ alertId: r.alert_id, ackCode: r.ack_code, personId: r.person_id, personName: r.person_name }));
}

// --- one pager per policy; the others are held ------------------------------------------------

/**
 * Claims the policy for `alertId`: it becomes the one alert paging that policy's people,
 * unless the policy's current pager is still unacknowledged and still escalating (an alert
 * whose policy ran out without an acknowledgement holds nothing back: new alerts page again).
 * One statement, so two alerts raised in the same instant cannot both claim it.
 */
export function claimPolicyStatement(db: D1Database, policyId: string, alertId: string, now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO policy_pagers (policy_id, alert_id, since) VALUES (?1, ?2, ?3)
       ON CONFLICT (policy_id) DO UPDATE SET alert_id = excluded.alert_id, since = excluded.since
       WHERE policy_pagers.alert_id = excluded.alert_id
          OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = policy_pagers.alert_id AND a.state = 'triggered' AND a.next_escalation_at IS NOT NULL)`,
    )
    .bind(policyId, alertId, now);
}

export async function policyPager(db: D1Database, policyId: string): Promise<string | null> {
  const row = await db.prepare("SELECT alert_id FROM policy_pagers WHERE policy_id = ?1").bind(policyId).first<{ alert_id: string }>();
  return row?.alert_id ?? null;
}

/** Holds an alert back behind the policy's pager: no timer, no page of its own. */
export function holdAlertStatement(db: D1Database, alertId: string, heldBy: string): D1PreparedStatement {
  return db.prepare("UPDATE alerts SET held_by = ?2, next_escalation_at = NULL WHERE id = ?1 AND state = 'triggered'").bind(alertId, heldBy);
}

/** The oldest alert still held behind `pagerId` (the next to page when the pager is taken). */
export async function oldestHeldAlert(db: D1Database, pagerId: string): Promise<Alert | null> {
  const row = await db
    .prepare("SELECT * FROM alerts WHERE held_by = ?1 AND state = 'triggered' ORDER BY created_at, id LIMIT 1")
    .bind(pagerId)
    .first<AlertRow>();
  return row ? toAlert(row) : null;
}

/**
 * Hands the policy from a pager that was acknowledged or resolved to the next held alert:
 * the policy row moves (only if it still names the old pager: one promotion wins), the
 * promoted alert is released and due at once, and the other held alerts wait behind it.
 */
export function promoteHeldStatements(db: D1Database, policyId: string, fromId: string, toId: string, now: string): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE policy_pagers SET alert_id = ?3, since = ?4 WHERE policy_id = ?1 AND alert_id = ?2").bind(policyId, fromId, toId, now),
    db.prepare("UPDATE alerts SET held_by = NULL, next_escalation_at = ?3 WHERE id = ?1 AND held_by = ?2 AND state = 'triggered' AND changes() = 1").bind(toId, fromId, now),
    db.prepare("UPDATE alerts SET held_by = ?2 WHERE held_by = ?1 AND id != ?2 AND state = 'triggered'").bind(fromId, toId),
  ];
}

/** Distinct alerts that paged a person since `since` (the hourly page ceiling counts these). */
export async function countAlertsPagedToPerson(db: D1Database, personId: string, since: string, exceptAlertId: string): Promise<number> {
  const row = await db
    .prepare("SELECT COUNT(DISTINCT alert_id) AS n FROM deliveries WHERE person_id = ?1 AND purpose IN ('page','fallback') AND created_at >= ?2 AND alert_id != ?3")
    .bind(personId, since, exceptAlertId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The people an alert has paged so far (for the digest of alerts held behind it). */
export async function peoplePagedFor(db: D1Database, alertId: string): Promise<Array<{ personId: string; personName: string }>> {
  const { results } = await db
    .prepare("SELECT DISTINCT person_id, person_name FROM deliveries WHERE alert_id = ?1 AND purpose IN ('page','fallback') ORDER BY person_id")
    .bind(alertId)
    .all<{ person_id: string; person_name: string }>();
  return results.map((r) => ({ personId: r.person_id, personName: r.person_name }));
}

// --- digests ------------------------------------------------------------------------------------

export type DigestReason = "held" | "ceiling" | "known_incident" | "followup";

export interface DigestItem {
  id: number;
  personId: string;
  personName: string;
  methods: ContactMethod[];
  alertId: string;
  reason: DigestReason;
  count: number;
  firstAt: string;
  lastAt: string;
  digestId: string | null;
}

interface DigestItemRow {
  id: number;
  person_id: string;
  person_name: string;
  methods: string;
  alert_id: string;
  reason: DigestReason;
  count: number;
  first_at: string;
  last_at: string;
  digest_id: string | null;
}

const toDigestItem = (r: DigestItemRow): DigestItem => ({
  id: r.id,
  personId: r.person_id,
  personName: r.person_name,
  methods: JSON.parse(r.methods) as ContactMethod[],
  alertId: r.alert_id,
  reason: r.reason,
  count: r.count,
  firstAt: r.first_at,
  lastAt: r.last_at,
  digestId: r.digest_id,
});

/** Something for a person's next digest; a repeat of the same alert and reason counts up. */
export function addDigestItemStatement(
  db: D1Database,
  i: { personId: string; personName: string; methods: ContactMethod[]; alertId: string; reason: DigestReason; now: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO digest_items (person_id, person_name, methods, alert_id, reason, count, first_at, last_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)
       ON CONFLICT (person_id, alert_id, reason) WHERE digest_id IS NULL DO UPDATE SET count = count + 1, last_at = excluded.last_at, methods = excluded.methods`,
    )
    .bind(i.personId, i.personName, JSON.stringify(i.methods), i.alertId, i.reason, i.now);
}

export async function lastDigestAt(db: D1Database, personId: string): Promise<string | null> {
  const row = await db.prepare("SELECT MAX(sent_at) AS at FROM digests WHERE person_id = ?1").bind(personId).first<{ at: string | null }>();
  return row?.at ?? null;
}

/**
 * Claims a digest for a person: only when nothing was sent to them since `windowStart` and
 * something is waiting. Then every waiting item is taken into it, in the same batch.
 */
export function claimDigestStatements(db: D1Database, digestId: string, personId: string, windowStart: string, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO digests (id, person_id, sent_at, items)
         SELECT ?1, ?2, ?4, (SELECT COUNT(*) FROM digest_items WHERE person_id = ?2 AND digest_id IS NULL)
         WHERE NOT EXISTS (SELECT 1 FROM digests WHERE person_id = ?2 AND sent_at > ?3)
           AND EXISTS (SELECT 1 FROM digest_items WHERE person_id = ?2 AND digest_id IS NULL)`,
      )
      .bind(digestId, personId, windowStart, now),
    db.prepare("UPDATE digest_items SET digest_id = ?1 WHERE person_id = ?2 AND digest_id IS NULL AND changes() = 1").bind(digestId, personId),
  ];
}

export async function listDigestItems(db: D1Database, digestId: string): Promise<DigestItem[]> {
  const { results } = await db.prepare("SELECT * FROM digest_items WHERE digest_id = ?1 ORDER BY first_at, id").bind(digestId).all<DigestItemRow>();
  return results.map(toDigestItem);
}

/** People with items waiting whose window has passed (the cron sweep flushes them). */
export async function listPeopleWithDueDigests(db: D1Database, windowStart: string, limit = 100): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT i.person_id FROM digest_items i WHERE i.digest_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM digests d WHERE d.person_id = i.person_id AND d.sent_at > ?1) LIMIT ?2`,
    )
    .bind(windowStart, limit)
    .all<{ person_id: string }>();
  return results.map((r) => r.person_id);
}

export async function listAlertsByIds(db: D1Database, ids: string[]): Promise<Alert[]> {
  if (ids.length === 0) return [];
  const out: Alert[] = [];
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const { results } = await db
      .prepare(`SELECT * FROM alerts WHERE id IN (${chunk.map((_, j) => `?${j + 1}`).join(", ")})`)
      .bind(...chunk)
      .all<AlertRow>();
    out.push(...results.map(toAlert));
  }
  return out;
}

// --- replayed Twilio messages -------------------------------------------------------------------

/** Records an inbound Twilio message id; false when it was handled before (a replay). */
export async function claimTwilioMessage(db: D1Database, sid: string, now: string): Promise<boolean> {
  const res = await db.prepare("INSERT INTO twilio_inbound (sid, received_at) VALUES (?1, ?2) ON CONFLICT (sid) DO NOTHING").bind(sid, now).run();
  return res.meta.changes === 1;
}

/** Whether anything (a page, a digest, a notice) was sent to this number by SMS or voice since
 * `since`: its owner is someone on call, whose texts to the hotline are replies, not reports. */
export async function numberPagedSince(db: D1Database, number: string, since: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM deliveries WHERE channel IN ('sms','voice') AND json_extract(target, '$.number') = ?1 AND created_at >= ?2 LIMIT 1")
    .bind(number, since)
    .first();
  return row !== null;
}

/** Whether a person was told of a follow-up on this alert since `since` (then the next one
 * goes into their digest instead of a notice of its own). */
/** Whether a reporter's follow-up (its message id) was already told about: the job runs inline
 * and again as the queue's safety-net copy, and a redelivery must not tell it twice. */
export async function followUpAlreadyTold(db: D1Database, alertIds: string[], messageId: number): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM alert_events WHERE alert_id IN (SELECT value FROM json_each(?1)) AND type = 'followup' AND json_extract(detail, '$.message') = ?2 LIMIT 1")
    .bind(JSON.stringify(alertIds), messageId)
    .first();
  return row !== null;
}

export async function hasRecentFollowUpNotice(db: D1Database, alertId: string, personId: string, since: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM deliveries WHERE alert_id = ?1 AND person_id = ?2 AND purpose = 'followup' AND created_at >= ?3 LIMIT 1")
    .bind(alertId, personId, since)
    .first();
  return row !== null;
}
