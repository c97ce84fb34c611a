// The alert lifecycle: a report is grouped into an alert; a new alert pages level 1 of its
// escalation plan on every contact method of every target at once; when nobody acknowledges
// before the level's timeout the next level is paged, and the whole policy repeats `repeat`
// times; acknowledge or resolve stops it. Every step is an alert_events row.
//
// Timers: D1 holds `next_escalation_at` (the truth). A delayed queue message (alert.escalate)
// pokes the alert when it falls due, and the one-minute cron sweep (escalateDueAlerts) catches
// whatever a lost message or a restart missed. Every page claims a unique alert_pages row
// (alert + level + round), so a poke that arrives twice, or a sweep racing a poke, pages once.
import type { Job } from "../../contract/jobs";
import type { EscalationPlan } from "../oncall/config";
import type { ReportChannel, Urgency } from "../../contract/reports";
import { recordCheckFailure } from "../assurance/checks";
import { escalationPlanFor } from "../oncall/plan";
import { findReportById, markOutboxDispatched } from "../reports/queries";
import { type Step, dueAt, nextStep, stepOrdinal } from "./escalation";
import { GROUP_WINDOW_MINUTES, chooseAlert, groupKeyFor } from "./grouping";
import {
  type Alert,
  deliveryId,
  eventStatement,
  findAlert,
  insertDeliveryStatement,
  listDeliveries,
  listDueAlerts,
  listOpenAlerts,
} from "./queries";
import { channels } from "../channels/registry";

// Crockford base32 without look-alikes: codes people type on a phone ("ACK 7KQ2M").
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

function randomCode(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
}

export function newAlertId(): string {
  return `al_${randomCode(12).toLowerCase()}`;
}

async function enqueue(env: Env, jobs: Job[], delaySeconds = 0): Promise<void> {
  if (jobs.length === 0) return;
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < jobs.length; i += 100) {
    await env.FANOUT.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body, delaySeconds })));
  }
}

async function firstMessageText(db: D1Database, reportId: string): Promise<string> {
  const row = await db.prepare("SELECT body FROM report_messages WHERE report_id = ?1 ORDER BY id LIMIT 1").bind(reportId).first<{ body: string }>();
  return row?.body ?? "";
}

/** Links a report to an alert (once) and recounts the alert from the reports table, the truth:
 * a redelivered job changes nothing and writes no second event. */
function linkReportStatements(db: D1Database, reportId: string, alertId: string, now: Date, reference: string, withEvent = true): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE reports SET alert_id = ?2 WHERE id = ?1 AND alert_id IS NULL").bind(reportId, alertId),
    ...(withEvent
      ? [
          db
            .prepare("INSERT INTO alert_events (alert_id, type, message, detail, created_at) SELECT ?1, 'report_added', ?2, ?3, ?4 WHERE changes() = 1")
            .bind(alertId, `Report ${reference} joined the alert.`, JSON.stringify({ reference }), now.toISOString()),
        ]
      : []),
    db
      .prepare(
        `UPDATE alerts SET report_count = (SELECT COUNT(*) FROM reports WHERE alert_id = ?1),
           last_report_at = MAX(last_report_at, ?2) WHERE id = ?1`,
      )
      .bind(alertId, now.toISOString()),
  ];
}

/**
 * Handler of report.received: group the report into an alert, raising (and paging) a new
 * alert when it matches none. Reports B's intake marked as duplicates join their original's
 * alert and page nobody.
 */
export async function handleReportReceived(env: Env, job: Extract<Job, { type: "report.received" }>, now: Date): Promise<void> {
  const db = env.DB;
  const report = await findReportById(db, job.reportId);
  if (!report) throw new Error(`report ${job.reportId} is not stored (yet)`);
  if (report.alertId) {
    await markOutboxDispatched(db, job.outboxId, now);
    return;
  }

  if (report.duplicateOf) {
    const original = await findReportById(db, report.duplicateOf);
    if (original?.alertId) {
      await db.batch(linkReportStatements(db, report.id, original.alertId, now, `${report.reference} (a duplicate, pages nobody)`));
    }
    await markOutboxDispatched(db, job.outboxId, now);
    return;
  }

  const since = new Date(now.getTime() - GROUP_WINDOW_MINUTES * 60_000).toISOString();
  const open = await listOpenAlerts(db, since);
  const joined = chooseAlert({ componentId: report.componentId, subject: report.subject }, open, now);
  if (joined) {
    await db.batch(linkReportStatements(db, report.id, joined.id, now, report.reference));
    await markOutboxDispatched(db, job.outboxId, now);
    return;
  }

  const alert = await raiseAlert(env, report, now);
  await markOutboxDispatched(db, job.outboxId, now);
  if (alert) await startPaging(env, alert, now);
}

async function raiseAlert(
  env: Env,
  report: { id: string; reference: string; channel: ReportChannel; urgency: Urgency; subject: string; componentId: string | null },
  now: Date,
): Promise<Alert | null> {
  const db = env.DB;
  const id = newAlertId();
  const firstText = await firstMessageText(db, report.id);
  const plan = await escalationPlanFor(db, { channel: report.channel, urgency: report.urgency, componentId: report.componentId }, now);
  const iso = now.toISOString();
  await db.batch([
    db
      .prepare(
        `INSERT INTO alerts (id, group_key, component_id, channel, urgency, subject, first_report_id, first_text, report_count,
           ack_code, state, plan, level, round, next_escalation_at, created_at, last_report_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, 'triggered', ?10, -1, 0, ?12, ?11, ?11)`,
      )
      .bind(
        id,
        groupKeyFor(report),
        report.componentId,
        report.channel,
        report.urgency,
        report.subject,
        report.id,
        firstText.slice(0, 2000),
        randomCode(5),
        plan ? JSON.stringify(plan) : null,
        iso,
        // Due at once: if this invocation dies before paging, the cron sweep pages instead.
        plan && plan.levels.length > 0 ? iso : null,
      ),
    eventStatement(db, { alertId: id, type: "raised", message: `Alert raised by report ${report.reference}: ${report.subject}`, detail: { reference: report.reference, policy: plan?.policyId ?? null }, now }),
    ...linkReportStatements(db, report.id, id, now, report.reference, false),
  ]);

  // Two consumers may raise an alert for the same storm at the same moment. Both then see
  // both alerts; the older one wins and the younger merges into it before paging anybody.
  const open = (await listOpenAlerts(db, new Date(now.getTime() - GROUP_WINDOW_MINUTES * 60_000).toISOString())).filter(
    (a) => a.id !== id && (a.createdAt < iso || (a.createdAt === iso && a.id < id)),
  );
  const older = chooseAlert({ componentId: report.componentId, subject: report.subject }, open, now);
  if (older) {
    await db.batch([
      db.prepare("UPDATE alerts SET state = 'merged', merged_into = ?2, next_escalation_at = NULL WHERE id = ?1").bind(id, older.id),
      db.prepare("UPDATE reports SET alert_id = ?2 WHERE alert_id = ?1").bind(id, older.id),
      db.prepare("UPDATE alerts SET report_count = (SELECT COUNT(*) FROM reports WHERE alert_id = ?1) WHERE id = ?1").bind(older.id),
      eventStatement(db, { alertId: id, type: "merged", message: `Merged into alert ${older.id}, raised a moment earlier.`, now }),
    ]);
    return null;
  }
  return findAlert(db, id);
}

async function startPaging(env: Env, alert: Alert, now: Date): Promise<void> {
  const plan = alert.plan;
  if (!plan || plan.levels.length === 0) {
    // Nobody to page is the failure this product exists to prevent: say it everywhere.
    const why = plan ? `policy ${plan.policyId} has nobody on call right now` : "no on-call configuration is loaded";
    await env.DB.batch([eventStatement(env.DB, { alertId: alert.id, type: "unrouted", message: `Nobody was paged: ${why}.`, now })]);
    await recordCheckFailure(env.DB, "oncall:routing", now, `alert ${alert.id}: nobody paged (${why})`);
    return;
  }
  await escalateAlert(env, alert.id, now);
}

/**
 * Pages one level (in one round) of the plan: a delivery row per contact method of every target,
 * each sent as its own queue message, and the alert's timer set to the level's timeout. One D1
 * batch claims the page (alert_pages) and writes it all; only the claimer enqueues.
 */
export async function pageStep(env: Env, alert: Alert, plan: EscalationPlan, step: Step, now: Date): Promise<boolean> {
  const db = env.DB;
  const level = plan.levels[step.level];
  if (!level) return false;
  const due = dueAt(plan, step, now);
  const rows = level.targets.flatMap((target) =>
    target.contactMethods.map((method, i) => ({
      id: deliveryId(alert.id, step.level, step.round, target.personId, i),
      alertId: alert.id,
      level: step.level,
      round: step.round,
      personId: target.personId,
      personName: target.name,
      methodIndex: i,
      channel: method.type,
      target: method,
      purpose: "page" as const,
    })),
  );
  const names = level.targets.map((t) => t.name).join(", ") || "nobody";
  const what = step.level === 0 && step.round === 0 ? "Paged" : "Nobody acknowledged in time: escalated to";
  const results = await db.batch([
    // The event first, guarded: it sees the page row only if an earlier call made it.
    db
      .prepare(
        `INSERT INTO alert_events (alert_id, type, message, detail, created_at)
         SELECT ?1, 'paged', ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM alert_pages WHERE alert_id = ?1 AND level = ?5 AND round = ?6)`,
      )
      .bind(
        alert.id,
        `${what} level ${step.level + 1}${step.round > 0 ? ` (repeat ${step.round})` : ""}: ${names} (${rows.length} notification${rows.length === 1 ? "" : "s"}).`,
        JSON.stringify({ level: step.level, round: step.round, people: level.targets.map((t) => t.personId), notifications: rows.length }),
        now.toISOString(),
        step.level,
        step.round,
      ),
    db.prepare("INSERT INTO alert_pages (alert_id, level, round, paged_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING").bind(alert.id, step.level, step.round, now.toISOString()),
    ...rows.map((r) => insertDeliveryStatement(db, r, now)),
    // Only ever forward: a late duplicate of an earlier step cannot wind the alert back.
    db
      .prepare("UPDATE alerts SET level = ?2, round = ?3, next_escalation_at = ?4 WHERE id = ?1 AND state = 'triggered' AND round * 100 + level < ?5")
      .bind(alert.id, step.level, step.round, due.toISOString(), stepOrdinal(step)),
  ]);
  const claimed = (results[1]?.meta.changes ?? 0) === 1;
  if (!claimed) return false;
  await enqueue(
    env,
    rows.map((r) => ({ type: "notification.send", deliveryId: r.id })),
  );
  // The precise timer; the cron sweep is the backstop if this message is lost.
  await enqueue(env, [{ type: "alert.escalate", alertId: alert.id }], Math.max(1, Math.ceil((due.getTime() - now.getTime()) / 1000)));
  return true;
}

/** Handler of alert.escalate and body of the cron sweep: pages the next step if it is due. */
export async function escalateAlert(env: Env, alertId: string, now: Date): Promise<"paged" | "exhausted" | "not_due" | "closed"> {
  const alert = await findAlert(env.DB, alertId);
  if (!alert || alert.state !== "triggered" || !alert.plan) return "closed";
  if (!alert.nextEscalationAt || alert.nextEscalationAt > now.toISOString()) return "not_due";
  const next = nextStep(alert.plan, { level: alert.level, round: alert.round });
  if (!next) {
    const res = await env.DB.batch([
      env.DB
        .prepare("UPDATE alerts SET next_escalation_at = NULL WHERE id = ?1 AND state = 'triggered' AND level = ?2 AND round = ?3 AND next_escalation_at IS NOT NULL")
        .bind(alert.id, alert.level, alert.round),
      env.DB
        .prepare(
          `INSERT INTO alert_events (alert_id, type, message, created_at) SELECT ?1, 'exhausted', ?2, ?3 WHERE changes() = 1`,
        )
        .bind(alert.id, `Nobody acknowledged after ${alert.plan.repeat + 1} run(s) of policy ${alert.plan.policyId}. Paging has stopped; the alert stays open.`, now.toISOString()),
    ]);
    if ((res[0]?.meta.changes ?? 0) === 1) await recordCheckFailure(env.DB, "oncall:acknowledgement", now, `alert ${alert.id} was never acknowledged`);
    return "exhausted";
  }
  return (await pageStep(env, alert, alert.plan, next, now)) ? "paged" : "not_due";
}

/** The cron backstop: every alert whose timer is overdue. */
export async function escalateDueAlerts(env: Env, now: Date): Promise<number> {
  let paged = 0;
  for (const id of await listDueAlerts(env.DB, now)) {
    if ((await escalateAlert(env, id, now)) === "paged") paged++;
  }
  return paged;
}

export type CloseOutcome = { changed: boolean; alert: Alert };

/**
 * Acknowledge: stops escalation at once (the timer is cleared in the same batch; a poke
 * already on its way finds the alert acknowledged), cancels queued pages, marks the alert's
 * reports acknowledged, and tells lifecycle-following channels (PagerDuty, webhooks).
 */
export async function acknowledgeAlert(env: Env, alertId: string, by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  return closeAlert(env, alertId, "acknowledged", by, now);
}

export async function resolveAlert(env: Env, alertId: string, by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  return closeAlert(env, alertId, "resolved", by, now);
}

/** Who closes, how (link, sms, voice, ntfy, staff api), and statements to write in the same
 * batch (the staff audit row). */
export interface CloseBy {
  actor: string;
  via: string;
  extra?: (alertId: string) => D1PreparedStatement[];
}

async function closeAlert(env: Env, alertId: string, to: "acknowledged" | "resolved", by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  const db = env.DB;
  const existing = await findAlert(db, alertId);
  if (!existing) return null;
  if (existing.state === "merged" && existing.mergedInto) return closeAlert(env, existing.mergedInto, to, by, now);
  const iso = now.toISOString();
  const from = to === "acknowledged" ? "('triggered')" : "('triggered','acknowledged')";
  const update =
    to === "acknowledged"
      ? db.prepare(`UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3, next_escalation_at = NULL WHERE id = ?1 AND state IN ${from}`)
      : db.prepare(`UPDATE alerts SET state = 'resolved', resolved_at = ?2, resolved_by = ?3, next_escalation_at = NULL WHERE id = ?1 AND state IN ${from}`);
  const reports =
    to === "acknowledged"
      ? db.prepare("UPDATE reports SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3 WHERE alert_id = ?1 AND state = 'new'")
      : db.prepare("UPDATE reports SET state = 'resolved', resolved_at = ?2, acknowledged_at = COALESCE(acknowledged_at, ?2) WHERE alert_id = ?1 AND state != 'resolved'");
  const results = await db.batch([
    update.bind(alertId, iso, by.actor),
    db
      .prepare(`INSERT INTO alert_events (alert_id, type, message, actor, detail, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1`)
      .bind(alertId, to, `${to === "acknowledged" ? "Acknowledged" : "Resolved"} by ${by.actor} (${by.via}).`, by.actor, JSON.stringify({ via: by.via }), iso),
    // Each report's own timeline says it too (what the reporter sees on their report page).
    db
      .prepare(
        `INSERT INTO report_messages (report_id, author, author_name, body, created_at)
         SELECT id, 'system', NULL, ?2, ?3 FROM reports WHERE alert_id = ?1 AND state IN ${to === "acknowledged" ? "('new')" : "('new','acknowledged')"}
           AND EXISTS (SELECT 1 FROM alerts WHERE id = ?1 AND ${to === "acknowledged" ? "acknowledged_at" : "resolved_at"} = ?3)`,
      )
      .bind(alertId, to === "acknowledged" ? "Acknowledged: a person is working on it." : "Resolved.", iso),
    to === "acknowledged" ? reports.bind(alertId, iso, by.actor) : reports.bind(alertId, iso),
    db
      .prepare("UPDATE deliveries SET state = 'cancelled', updated_at = ?2, error = ?3 WHERE alert_id = ?1 AND state IN ('queued','retrying') AND purpose IN ('page','fallback')")
      .bind(alertId, iso, `not needed: alert ${to}`),
    ...(by.extra?.(alertId) ?? []),
  ]);
  const changed = (results[0]?.meta.changes ?? 0) === 1;
  if (changed) await notifyLifecycle(env, alertId, to === "acknowledged" ? "acknowledge" : "resolve", now);
  const alert = (await findAlert(db, alertId))!;
  return { changed, alert };
}

/** PagerDuty and webhooks mirror the alert's state: each target that got the page hears of the
 * acknowledgement or resolution too (one message each, deduplicated like pages). */
async function notifyLifecycle(env: Env, alertId: string, purpose: "acknowledge" | "resolve", now: Date): Promise<void> {
  const sent = (await listDeliveries(env.DB, alertId)).filter((d) => d.state === "sent" && (d.purpose === "page" || d.purpose === "fallback") && channels[d.channel].followsLifecycle);
  const seen = new Set<string>();
  const rows = [];
  for (const d of sent) {
    const key = JSON.stringify(d.target);
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ ...d, id: `${alertId}:${purpose}:${d.personId}:${d.methodIndex}`, purpose });
  }
  if (rows.length === 0) return;
  await env.DB.batch(rows.map((r) => insertDeliveryStatement(env.DB, r, now)));
  await enqueue(env, rows.map((r) => ({ type: "notification.send", deliveryId: r.id })));
}

export { enqueue as enqueueJobs };
