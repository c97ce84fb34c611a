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
import { addToDigest, targetsUpTo } from "./digest";
import { verifySyntheticReport } from "./synthetic";
import { type Step, dueAt, nextStep, stepOrdinal } from "./escalation";
import { GROUP_WINDOW_MINUTES, chooseAlert, groupKeyFor } from "./grouping";
import {
  type Alert,
  advanceAlertStatement,
  cancelPendingPagesStatement,
  claimPageStatement,
  claimPolicyStatement,
  countAlertsPagedToPerson,
  findIncidentAlert,
  holdAlertStatement,
  oldestHeldAlert,
  peoplePagedFor,
  policyPager,
  promoteHeldStatements,
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

/** What the fan-out uses: storage, the queue (pages and timers go out as jobs) and settings
 * (the digest window and the hourly page ceiling). */
export type FanoutServices = Pick<Services, "db" | "queue" | "config">;

// Crockford base32 without look-alikes: codes people type on a phone ("ACK 7KQ2M").
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

export function randomCode(length: number): string {
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
export async function handleReportReceived(svc: FanoutServices & Pick<Services, "channelSettings">, job: Extract<Job, { type: "report.received" }>, now: Date): Promise<void> {
  const db = svc.db;
  const report = await findReportById(db, job.reportId);
  if (!report) throw new Error(`report ${job.reportId} is not stored (yet)`);
  if (report.alertId) {
    await markOutboxDispatched(db, job.outboxId, now);
    return;
  }
  // The path canary's report: checked at the send step, never paged (synthetic.ts).
  if (report.synthetic) return verifySyntheticReport(svc, report, job, now);

  if (report.duplicateOf) {
    const original = await findReportById(db, report.duplicateOf);
    if (original?.alertId) {
      await db.batch(linkReportStatements(db, report.id, original.alertId, now, `${report.reference} (a duplicate, pages nobody)`));
    }
    await markOutboxDispatched(db, job.outboxId, now);
    return;
  }

  if (report.incidentId) {
    // The reporter said it is a problem we announced: staff know, so nobody is woken for it.
    // It is counted on that incident and told to whoever is on call in their digest.
    await joinIncidentAlert(svc, { ...report, incidentId: report.incidentId }, now);
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

type RaisingReport = { id: string; reference: string; channel: ReportChannel; urgency: Urgency; subject: string; componentId: string | null };

/** Reports about a known incident gather in one alert per incident, created acknowledged. */
async function joinIncidentAlert(svc: FanoutServices, report: RaisingReport & { incidentId: string }, now: Date): Promise<void> {
  const db = svc.db;
  let alert = await findIncidentAlert(db, report.incidentId);
  if (alert) {
    await db.batch(linkReportStatements(db, report.id, alert.id, now, report.reference));
  } else {
    const plan = await escalationPlanFor(db, { channel: report.channel, urgency: report.urgency, componentId: report.componentId }, now);
    const id = newAlertId();
    const iso = now.toISOString();
    await db.batch([
      insertAlertStatement(db, {
        id,
        groupKey: `incident:${report.incidentId}`,
        componentId: report.componentId,
        channel: report.channel,
        urgency: report.urgency,
        subject: `Reports about a known incident: ${report.subject}`,
        firstReportId: report.id,
        firstText: (await firstMessageBody(db, report.id)).slice(0, 2000),
        ackCode: randomCode(5),
        plan,
        dueAt: null,
        now: iso,
        state: "acknowledged",
        acknowledgedBy: "known incident",
        incidentId: report.incidentId,
      }),
      eventStatement(db, { alertId: id, type: "raised", message: `Reports about known incident ${report.incidentId} gather here; nobody is paged for them (staff know), on-call hears in the digest.`, detail: { reference: report.reference, incident: report.incidentId }, now }),
      ...linkReportStatements(db, report.id, id, now, report.reference, false),
    ]);
    alert = await findAlert(db, id);
    // Two first reports at once: the younger alert merges into the older.
    const older = await findIncidentAlert(db, report.incidentId);
    if (older && alert && older.id !== alert.id) {
      await db.batch([markMergedStatement(db, alert.id, older.id), moveAlertReportsStatement(db, alert.id, older.id), recountAlertStatement(db, older.id)]);
      alert = older;
    }
  }
  if (alert) await addToDigest(svc, targetsUpTo(alert.plan, 0), alert.id, "known_incident", now);
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

/**
 * A new alert pages its policy's people, unless another alert of the same policy is still
 * unacknowledged: then it is held behind that one (the policy's pager) and told to the same
 * people in their digest. On-call humans are the scarcest resource: during an outage a
 * hundred different subjects must not become a hundred pages. When the pager is acknowledged
 * the oldest held alert pages in its turn (promoteHeldAlert).
 */
export async function startPaging(svc: FanoutServices, alert: Alert, now: Date): Promise<void> {
  const plan = alert.plan;
  const db = svc.db;
  if (!plan || plan.levels.length === 0) {
    // Nobody to page is the failure this product exists to prevent: say it everywhere.
    const why = plan ? `policy ${plan.policyId} has nobody on call right now` : "no on-call configuration is loaded";
    await db.batch([eventStatement(db, { alertId: alert.id, type: "unrouted", message: `Nobody was paged: ${why}.`, now })]);
    await recordCheckFailure(db, "oncall:routing", now, `alert ${alert.id}: nobody paged (${why})`);
    return;
  }
  const [claim] = await db.batch([claimPolicyStatement(db, plan.policyId, alert.id, now.toISOString())]);
  if ((claim?.meta.changes ?? 0) === 1) {
    await escalateAlert(svc, alert.id, now);
    return;
  }
  const pagerId = await policyPager(db, plan.policyId);
  if (!pagerId || pagerId === alert.id) {
    await escalateAlert(svc, alert.id, now);
    return;
  }
  const pager = await findAlert(db, pagerId);
  await db.batch([
    holdAlertStatement(db, alert.id, pagerId),
    eventStatement(db, {
      alertId: alert.id,
      type: "held",
      message: `Not paged: policy ${plan.policyId} is still waiting for someone to acknowledge alert ${pager?.ackCode ?? pagerId}. Its people hear of this one in their digest; it pages when that one is acknowledged.`,
      detail: { held_by: pagerId },
      now,
    }),
  ]);
  // "The same people": those the pager has paged so far (level 1 if it has not paged yet).
  const paged = new Set((await peoplePagedFor(db, pagerId)).map((p) => p.personId));
  const people = targetsUpTo(pager?.plan ?? plan, pager?.level ?? 0).filter((t) => paged.size === 0 || paged.has(t.personId));
  await addToDigest(svc, people, alert.id, "held", now);
}

/** The policy's pager was acknowledged, resolved or ran out: the oldest alert held behind it
 * pages in its turn. */
async function promoteHeldAlert(svc: FanoutServices, closed: Alert, now: Date): Promise<void> {
  if (!closed.policyId || (await policyPager(svc.db, closed.policyId)) !== closed.id) return;
  const next = await oldestHeldAlert(svc.db, closed.id);
  if (!next) return;
  const results = await svc.db.batch([
    ...promoteHeldStatements(svc.db, closed.policyId, closed.id, next.id, now.toISOString()),
    eventStatement(svc.db, {
      alertId: next.id,
      type: "released",
      message: `Alert ${closed.ackCode} was ${closed.state === "triggered" ? "never acknowledged (paging stopped)" : closed.state}: this one pages now.`,
      detail: { after: closed.id },
      now,
    }),
  ]);
  if ((results[0]?.meta.changes ?? 0) === 1) await escalateAlert(svc, next.id, now);
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
  // The hourly ceiling: a person already woken by this many other alerts within the hour hears
  // of this one in the digest. The alert still escalates to the next level in time.
  const ceiling = svc.config.paging.pagesPerPersonPerHour;
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const overCeiling = new Set<string>();
  for (const t of level.targets) {
    if ((await countAlertsPagedToPerson(db, t.personId, hourAgo, alert.id)) >= ceiling) overCeiling.add(t.personId);
  }
  const paged = level.targets.filter((t) => !overCeiling.has(t.personId));
  const rows = paged.flatMap((target) =>
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
  const names = paged.map((t) => t.name).join(", ") || "nobody";
  const what = step.level === 0 && step.round === 0 ? "Paged" : "Nobody acknowledged in time: escalated to";
  const capped = level.targets.filter((t) => overCeiling.has(t.personId));
  const cappedNote = capped.length > 0 ? ` ${capped.map((t) => t.name).join(", ")}: over ${ceiling} pages this hour, told in the digest instead.` : "";
  const results = await db.batch([
    // The event first, guarded: it sees the page row only if an earlier call made it.
    pagedEventStatement(db, {
      alertId: alert.id,
      level: step.level,
      round: step.round,
      message: `${what} level ${step.level + 1}${step.round > 0 ? ` (repeat ${step.round})` : ""}: ${names} (${rows.length} notification${rows.length === 1 ? "" : "s"}).${cappedNote}`,
      detail: { level: step.level, round: step.round, people: paged.map((t) => t.personId), over_ceiling: capped.map((t) => t.personId), notifications: rows.length },
      now: iso,
    }),
    claimPageStatement(db, alert.id, step.level, step.round, iso),
    ...rows.map((r) => insertDeliveryStatement(db, r, now)),
    advanceAlertStatement(db, alert.id, step.level, step.round, due.toISOString(), stepOrdinal(step)),
  ]);
  const claimed = (results[1]?.meta.changes ?? 0) === 1;
  if (!claimed) return false;
  // Dispatched: sent from this invocation at once when the Worker runs jobs inline (the first
  // page leaves within a second of the report), each with its queued copy as the safety net.
  for (const r of rows) await svc.queue.dispatch({ type: "notification.send", deliveryId: r.id });
  await addToDigest(svc, capped, alert.id, "ceiling", now);
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
    if ((res[0]?.meta.changes ?? 0) === 1) {
      await recordCheckFailure(svc.db, "oncall:acknowledgement", now, `alert ${alert.id} was never acknowledged`);
      // Paging for this one stopped: an alert held behind it must not wait for ever.
      await promoteHeldAlert(svc, alert, now);
    }
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
  /** The on-call person who acknowledged (ack link, SMS, call, mail reply): follow-ups go to them. */
  personId?: string | null;
  extra?: (alertId: string) => D1PreparedStatement[];
}

async function closeAlert(svc: FanoutServices, alertId: string, to: "acknowledged" | "resolved", by: CloseBy, now: Date): Promise<CloseOutcome | null> {
  const db = svc.db;
  const existing = await findAlert(db, alertId);
  if (!existing) return null;
  if (existing.state === "merged" && existing.mergedInto) return closeAlert(svc, existing.mergedInto, to, by, now);
  const iso = now.toISOString();
  const results = await db.batch([
    closeAlertStatement(db, alertId, to, by.actor, iso, by.personId ?? null),
    closedEventStatement(db, alertId, to, `${to === "acknowledged" ? "Acknowledged" : "Resolved"} by ${by.actor} (${by.via}).`, by.actor, { via: by.via }, iso),
    // Each report's own timeline says it too (what the reporter sees on their report page).
    alertNoteForReportsStatement(db, alertId, to, to === "acknowledged" ? "Acknowledged: a person is working on it." : "Resolved.", iso),
    closeAlertReportsStatement(db, alertId, to, by.actor, iso),
    cancelPendingPagesStatement(db, alertId, `not needed: alert ${to}`, iso),
    ...(by.extra?.(alertId) ?? []),
  ]);
  const changed = (results[0]?.meta.changes ?? 0) === 1;
  const alert = (await findAlert(db, alertId))!;
  if (changed) {
    await notifyLifecycle(svc, alertId, to === "acknowledged" ? "acknowledge" : "resolve", now);
    await promoteHeldAlert(svc, alert, now);
  }
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
