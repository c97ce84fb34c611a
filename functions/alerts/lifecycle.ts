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
import type { EscalationPlan } from "../../contract/oncall";
import type { ReportChannel, Urgency } from "../../contract/reports";
import { recordCheckFailure } from "../assurance/queries";
import { escalationPlanFor } from "../oncall/plan";
import type { Services } from "../platform/services";
import {
  alertNoteForReportsStatement,
  closeAlertReportsStatement,
  findReportById,
  firstMessageBody,
  linkReportToAlertStatement,
  markOutboxDispatched,
  moveAlertReportsStatement,
} from "../reports/queries";
import { type Step, dueAt, nextStep, stepOrdinal } from "./escalation";
import { GROUP_WINDOW_MINUTES, chooseAlert, groupKeyFor } from "./grouping";
import {
  type Alert,
  advanceAlertStatement,
  cancelPendingPagesStatement,
  claimPageStatement,
  closeAlertStatement,
  closedEventStatement,
  deliveryId,
  eventStatement,
  exhaustAlertStatements,
  findAlert,
  insertAlertStatement,
  insertDeliveryStatement,
  listDeliveries,
  listDueAlerts,
  listOpenAlerts,
  markMergedStatement,
  pagedEventStatement,
  recountAlertStatement,
  reportAddedEventStatement,
} from "./queries";
import { channels } from "../channels/registry";

/** What the fan-out uses: storage and the queue (pages and timers go out as jobs). */
export type FanoutServices = Pick<Services, "db" | "queue">;

// Crockford base32 without look-alikes: codes people type on a phone ("ACK 7KQ2M").
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

function randomCode(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
}

export function newAlertId(): string {
  return `al_${randomCode(12).toLowerCase()}`;
}

/** Links a report to an alert (once) and recounts the alert from the reports table, the truth:
 * a redelivered job changes nothing and writes no second event. */
function linkReportStatements(db: D1Database, reportId: string, alertId: string, now: Date, reference: string, withEvent = true): D1PreparedStatement[] {
  const iso = now.toISOString();
  return [
    linkReportToAlertStatement(db, reportId, alertId),
    ...(withEvent ? [reportAddedEventStatement(db, alertId, reference, iso)] : []),
    recountAlertStatement(db, alertId, iso),
  ];
}

/**
 * Handler of report.received: group the report into an alert, raising (and paging) a new
 * alert when it matches none. Reports B's intake marked as duplicates join their original's
 * alert and page nobody.
 */
export async function handleReportReceived(svc: FanoutServices, job: Extract<Job, { type: "report.received" }>, now: Date): Promise<void> {
  const db = svc.db;
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

  const alert = await raiseAlert(svc, report, now);
  await markOutboxDispatched(db, job.outboxId, now);
  if (alert) await startPaging(svc, alert, now);
}

async function raiseAlert(
  svc: FanoutServices,
  report: { id: string; reference: string; channel: ReportChannel; urgency: Urgency; subject: string; componentId: string | null },
  now: Date,
): Promise<Alert | null> {
  const db = svc.db;
  const id = newAlertId();
  const firstText = await firstMessageBody(db, report.id);
  const plan = await escalationPlanFor(db, { channel: report.channel, urgency: report.urgency, componentId: report.componentId }, now);
  const iso = now.toISOString();
  await db.batch([
    insertAlertStatement(db, {
      id,
      groupKey: groupKeyFor(report),
      componentId: report.componentId,
      channel: report.channel,
      urgency: report.urgency,
      subject: report.subject,
      firstReportId: report.id,
      firstText: firstText.slice(0, 2000),
      ackCode: randomCode(5),
      plan,
      // Due at once: if this invocation dies before paging, the cron sweep pages instead.
      dueAt: plan && plan.levels.length > 0 ? iso : null,
      now: iso,
    }),
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
      markMergedStatement(db, id, older.id),
      moveAlertReportsStatement(db, id, older.id),
      recountAlertStatement(db, older.id),
      eventStatement(db, { alertId: id, type: "merged", message: `Merged into alert ${older.id}, raised a moment earlier.`, now }),
    ]);
    return null;
  }
  return findAlert(db, id);
}

async function startPaging(svc: FanoutServices, alert: Alert, now: Date): Promise<void> {
  const plan = alert.plan;
  if (!plan || plan.levels.length === 0) {
    // Nobody to page is the failure this product exists to prevent: say it everywhere.
    const why = plan ? `policy ${plan.policyId} has nobody on call right now` : "no on-call configuration is loaded";
    await svc.db.batch([eventStatement(svc.db, { alertId: alert.id, type: "unrouted", message: `Nobody was paged: ${why}.`, now })]);
    await recordCheckFailure(svc.db, "oncall:routing", now, `alert ${alert.id}: nobody paged (${why})`);
    return;
  }
  await escalateAlert(svc, alert.id, now);
}

/**
 * Pages one level (in one round) of the plan: a delivery row per contact method of every target,
 * each sent as its own queue message, and the alert's timer set to the level's timeout. One D1
 * batch claims the page (alert_pages) and writes it all; only the claimer enqueues.
 */
export async function pageStep(svc: FanoutServices, alert: Alert, plan: EscalationPlan, step: Step, now: Date): Promise<boolean> {
  const db = svc.db;
  const level = plan.levels[step.level];
  if (!level) return false;
  const due = dueAt(plan, step, now);
  const iso = now.toISOString();
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
    pagedEventStatement(db, {
      alertId: alert.id,
      level: step.level,
      round: step.round,
      message: `${what} level ${step.level + 1}${step.round > 0 ? ` (repeat ${step.round})` : ""}: ${names} (${rows.length} notification${rows.length === 1 ? "" : "s"}).`,
      detail: { level: step.level, round: step.round, people: level.targets.map((t) => t.personId), notifications: rows.length },
      now: iso,
    }),
    claimPageStatement(db, alert.id, step.level, step.round, iso),
    ...rows.map((r) => insertDeliveryStatement(db, r, now)),
    advanceAlertStatement(db, alert.id, step.level, step.round, due.toISOString(), stepOrdinal(step)),
  ]);
  const claimed = (results[1]?.meta.changes ?? 0) === 1;
  if (!claimed) return false;
  await svc.queue.sendAll(rows.map((r) => ({ type: "notification.send", deliveryId: r.id })));
  // The precise timer; the cron sweep is the backstop if this message is lost.
  await svc.queue.send({ type: "alert.escalate", alertId: alert.id }, { delaySeconds: Math.max(1, Math.ceil((due.getTime() - now.getTime()) / 1000)) });
  return true;
}

/** Handler of alert.escalate and body of the cron sweep: pages the next step if it is due. */
export async function escalateAlert(svc: FanoutServices, alertId: string, now: Date): Promise<"paged" | "exhausted" | "not_due" | "closed"> {
  const alert = await findAlert(svc.db, alertId);
  if (!alert || alert.state !== "triggered" || !alert.plan) return "closed";
  if (!alert.nextEscalationAt || alert.nextEscalationAt > now.toISOString()) return "not_due";
  const next = nextStep(alert.plan, { level: alert.level, round: alert.round });
  if (!next) {
    const message = `Nobody acknowledged after ${alert.plan.repeat + 1} run(s) of policy ${alert.plan.policyId}. Paging has stopped; the alert stays open.`;
    const res = await svc.db.batch(exhaustAlertStatements(svc.db, alert, message, now.toISOString()));
    if ((res[0]?.meta.changes ?? 0) === 1) await recordCheckFailure(svc.db, "oncall:acknowledgement", now, `alert ${alert.id} was never acknowledged`);
    return "exhausted";
  }
  return (await pageStep(svc, alert, alert.plan, next, now)) ? "paged" : "not_due";
}

/** The cron backstop: every alert whose timer is overdue. */
export async function escalateDueAlerts(svc: FanoutServices, now: Date): Promise<number> {
  let paged = 0;
  for (const id of await listDueAlerts(svc.db, now)) {
    if ((await escalateAlert(svc, id, now)) === "paged") paged++;
  }
  return paged;
}

export type CloseOutcome = { changed: boolean; alert: Alert };

/**
 * Acknowledge: stops escalation at once (the timer is cleared in the same batch; a poke
 * already on its way finds the alert acknowledged), cancels queued pages, marks the alert's
 * reports acknowledged, and tells lifecycle-following channels (PagerDuty, webhooks).
 */
export async function acknowledgeAlert(svc: FanoutServices, alertId: string, by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  return closeAlert(svc, alertId, "acknowledged", by, now);
}

export async function resolveAlert(svc: FanoutServices, alertId: string, by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  return closeAlert(svc, alertId, "resolved", by, now);
}

/** Who closes, how (link, sms, voice, ntfy, staff api), and statements to write in the same
 * batch (the staff audit row). */
export interface CloseBy {
  actor: string;
  via: string;
  extra?: (alertId: string) => D1PreparedStatement[];
}

async function closeAlert(svc: FanoutServices, alertId: string, to: "acknowledged" | "resolved", by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  const db = svc.db;
  const existing = await findAlert(db, alertId);
  if (!existing) return null;
  if (existing.state === "merged" && existing.mergedInto) return closeAlert(svc, existing.mergedInto, to, by, now);
  const iso = now.toISOString();
  const results = await db.batch([
    closeAlertStatement(db, alertId, to, by.actor, iso),
    closedEventStatement(db, alertId, to, `${to === "acknowledged" ? "Acknowledged" : "Resolved"} by ${by.actor} (${by.via}).`, by.actor, { via: by.via }, iso),
    // Each report's own timeline says it too (what the reporter sees on their report page).
    alertNoteForReportsStatement(db, alertId, to, to === "acknowledged" ? "Acknowledged: a person is working on it." : "Resolved.", iso),
    closeAlertReportsStatement(db, alertId, to, by.actor, iso),
    cancelPendingPagesStatement(db, alertId, `not needed: alert ${to}`, iso),
    ...(by.extra?.(alertId) ?? []),
  ]);
  const changed = (results[0]?.meta.changes ?? 0) === 1;
  if (changed) await notifyLifecycle(svc, alertId, to === "acknowledged" ? "acknowledge" : "resolve", now);
  const alert = (await findAlert(db, alertId))!;
  return { changed, alert };
}

/** PagerDuty and webhooks mirror the alert's state: each target that got the page hears of the
 * acknowledgement or resolution too (one message each, deduplicated like pages). */
async function notifyLifecycle(svc: FanoutServices, alertId: string, purpose: "acknowledge" | "resolve", now: Date): Promise<void> {
  const sent = (await listDeliveries(svc.db, alertId)).filter((d) => d.state === "sent" && (d.purpose === "page" || d.purpose === "fallback") && channels[d.channel].followsLifecycle);
  const seen = new Set<string>();
  const rows = [];
  for (const d of sent) {
    const key = JSON.stringify(d.target);
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ ...d, id: `${alertId}:${purpose}:${d.personId}:${d.methodIndex}`, purpose });
  }
  if (rows.length === 0) return;
  await svc.db.batch(rows.map((r) => insertDeliveryStatement(svc.db, r, now)));
  await svc.queue.sendAll(rows.map((r) => ({ type: "notification.send", deliveryId: r.id })));
}
