// A reporter's follow-up on an open report (from the private view, and later by email, SMS or
// a social reply) must reach a human: whoever acknowledged the report's alert, or, while
// nobody has, the people its page is reaching now. One notice per person per digest window;
// further follow-ups in the window go into their digest, so a chatty (or hostile) reporter
// cannot turn follow-ups into a page storm.
import type { Job } from "../../contract/jobs";
import type { PageTarget } from "../oncall/config";
import { findMessage, findReportById, markOutboxDispatched } from "../reports/queries";
import { addToDigest, digestMethods, targetsUpTo, type DigestServices } from "./digest";
import { type Alert, eventStatement, findAlert, followUpAlreadyTold, hasRecentFollowUpNotice, insertDeliveryStatement, peoplePagedFor } from "./queries";

/** A report still not grouped this long after it came in never will be (nothing to tell). */
const UNGROUPED_GIVE_UP_MS = 10 * 60_000;

export const FOLLOWUP_ID_PREFIX = "fu:";

/** Who hears of a follow-up on `alert`, and whether by a notice or (busy people) the digest. */
async function whoToTell(db: D1Database, alert: Alert): Promise<{ people: PageTarget[]; viaDigest: boolean }> {
  const everyone = targetsUpTo(alert.plan, alert.plan?.levels.length ?? 0);
  if (alert.state === "acknowledged") {
    const person = everyone.find((t) => t.personId === alert.acknowledgedPersonId);
    if (person) return { people: [person], viaDigest: false };
    // Acknowledged by staff through the API (no person to reach): those it paged.
    const paged = new Set((await peoplePagedFor(db, alert.id)).map((p) => p.personId));
    return { people: everyone.filter((t) => paged.has(t.personId)), viaDigest: false };
  }
  if (alert.state !== "triggered") return { people: [], viaDigest: false };
  if (alert.heldBy) {
    // Held behind the policy's pager: its people are busy with that one; the digest tells them.
    const pager = await findAlert(db, alert.heldBy);
    const paged = new Set((await peoplePagedFor(db, alert.heldBy)).map((p) => p.personId));
    return { people: targetsUpTo(pager?.plan ?? alert.plan, pager?.level ?? 0).filter((t) => paged.size === 0 || paged.has(t.personId)), viaDigest: true };
  }
  return { people: alert.plan?.levels[Math.max(0, alert.level)]?.targets ?? [], viaDigest: false };
}

export async function handleReportFollowUp(svc: DigestServices, job: Extract<Job, { type: "report.followup" }>, now: Date): Promise<void> {
  const db = svc.db;
  const report = await findReportById(db, job.reportId);
  if (!report) throw new Error(`report ${job.reportId} is not stored (yet)`);
  const message = await findMessage(db, report.id, job.messageId);
  if (!message || report.state === "resolved") return markOutboxDispatched(db, job.outboxId, now);
  if (!report.alertId) {
    if (now.getTime() - Date.parse(report.createdAt) > UNGROUPED_GIVE_UP_MS) return markOutboxDispatched(db, job.outboxId, now);
    throw new Error(`report ${report.reference} is not grouped into an alert yet`);
  }
  let alert = await findAlert(db, report.alertId);
  if (alert?.state === "merged" && alert.mergedInto) alert = await findAlert(db, alert.mergedInto);
  if (!alert) return markOutboxDispatched(db, job.outboxId, now);
  // Told already (this is the queue's copy of a job that ran inline, or a redelivery): the
  // notices and the event were written in one batch, and each notice's send is deduplicated.
  if (await followUpAlreadyTold(db, [...new Set([report.alertId, alert.id])], message.id)) return markOutboxDispatched(db, job.outboxId, now);

  const { people, viaDigest } = await whoToTell(db, alert);
  const since = new Date(now.getTime() - svc.config.paging.digestWindowMinutes * 60_000).toISOString();
  const noticeNow: PageTarget[] = [];
  const digestNow: PageTarget[] = [];
  for (const person of people) {
    if (viaDigest || (await hasRecentFollowUpNotice(db, alert.id, person.personId, since))) digestNow.push(person);
    else noticeNow.push(person);
  }
  const rows = noticeNow.flatMap((person) =>
    digestMethods(person.contactMethods).map(({ method, index }) => ({
      id: `${FOLLOWUP_ID_PREFIX}${message.id}:${person.personId}:${index}`,
      alertId: alert.id,
      level: Math.max(0, alert.level),
      round: alert.round,
      personId: person.personId,
      personName: person.name,
      methodIndex: index,
      channel: method.type,
      target: method,
      purpose: "followup" as const,
    })),
  );
  const names = people.map((p) => p.name).join(", ") || "nobody (no on-call person to tell)";
  await db.batch([
    ...rows.map((r) => insertDeliveryStatement(db, r, now)),
    eventStatement(db, {
      alertId: alert.id,
      type: "followup",
      message: `Follow-up from the reporter of ${report.reference}: told ${names}${digestNow.length > 0 ? ` (${digestNow.map((p) => p.name).join(", ")} in the digest)` : ""}.`,
      detail: { reference: report.reference, message: message.id },
      now,
    }),
  ]);
  for (const r of rows) await svc.queue.dispatch({ type: "notification.send", deliveryId: r.id });
  await addToDigest(svc, digestNow, alert.id, "followup", now);
  await markOutboxDispatched(db, job.outboxId, now);
}

/** The message id a follow-up notice is about. */
export function followUpMessageIdOf(deliveryId: string): number | null {
  if (!deliveryId.startsWith(FOLLOWUP_ID_PREFIX)) return null;
  const id = Number(deliveryId.slice(FOLLOWUP_ID_PREFIX.length).split(":")[0]);
  return Number.isInteger(id) && id > 0 ? id : null;
}
