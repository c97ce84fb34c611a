// The outbox sweep (cron, every minute): re-sends stored reports' jobs (report.received,
// report.followup) that the queue never delivered to the fan-out, with growing intervals and
// without ever giving up; after a few sends it also pages on-call directly by mail with the
// report's text, as intake does when D1 fails, so a long queue outage cannot hide a report.
import { Job } from "../../contract/jobs";
import { recordCheckFailure } from "../assurance/queries";
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import { sendMail } from "./mail";
import { OUTBOX_FALLBACK_AFTER_ATTEMPTS, OUTBOX_RESEND_AFTER_MS, outboxResendDue } from "../platform/outbox-backoff.pure";
import { claimOutboxFallbackPage, countStuckOutbox, findMessage, findReportById, firstMessageBody, listUndispatchedOutbox, recordOutboxAttempt, type OutboxRow } from "./queries";

const BATCH = 100;

type OutboxServices = Pick<Services, "db" | "queue" | "mail" | "config">;

export async function resendUndispatchedOutbox(svc: OutboxServices, now: Date): Promise<{ resent: number; failed: number; paged: number }> {
  const rows = (await listUndispatchedOutbox(svc.db, new Date(now.getTime() - OUTBOX_RESEND_AFTER_MS).toISOString(), BATCH)).filter((row) =>
    outboxResendDue({ attempts: row.attempts, lastAttemptAt: row.last_attempt_at }, now),
  );
  let resent = 0;
  let failed = 0;
  let paged = 0;
  for (const row of rows) {
    let error: string | null = null;
    let job: Job | null = null;
    try {
      job = Job.parse(JSON.parse(row.payload));
      await svc.queue.send(job);
      resent++;
    } catch (err) {
      failed++;
      error = err instanceof Error ? err.message : String(err);
      console.error(`outbox: re-send of ${row.id} failed`, err);
    }
    await recordOutboxAttempt(svc.db, row.id, now.toISOString(), error);
    if (job && row.attempts + 1 >= OUTBOX_FALLBACK_AFTER_ATTEMPTS && !row.fallback_paged_at) {
      if (await pageDirectly(svc, row, job, now)) paged++;
    }
  }
  const stuck = await countStuckOutbox(svc.db, OUTBOX_FALLBACK_AFTER_ATTEMPTS);
  if (stuck > 0) await recordCheckFailure(svc.db, "intake:outbox", now, `${stuck} stored report job(s) were sent ${OUTBOX_FALLBACK_AFTER_ATTEMPTS}+ times and not yet processed; on-call was paged by mail`);
  if (failed > 0) throw new Error(`${failed} of ${rows.length} outbox re-sends failed`);
  return { resent, failed, paged };
}

/** The direct page by mail, claimed once per row, with what the fan-out would have said. */
async function pageDirectly(svc: OutboxServices, row: OutboxRow & { fallback_paged_at?: string | null }, job: Job, now: Date): Promise<boolean> {
  if (job.type !== "report.received" && job.type !== "report.followup") return false;
  const to = svc.config.fallbackPageTo;
  if (to.length === 0) {
    await recordCheckFailure(svc.db, "intake:outbox", now, "FALLBACK_PAGE_TO is empty: a stored report is not reaching on-call and nobody can be paged directly");
    return false;
  }
  if (!(await claimOutboxFallbackPage(svc.db, row.id, now.toISOString()))) return false;
  const report = await findReportById(svc.db, job.reportId);
  if (!report) return false;
  const text = job.type === "report.followup" ? ((await findMessage(svc.db, report.id, job.messageId))?.body ?? "") : await firstMessageBody(svc.db, report.id);
  const r = report.reporter;
  const mail = {
    subject: `URGENT (not reaching on-call): ${report.reference} ${report.subject}`.slice(0, 200),
    text: [
      `A ${job.type === "report.followup" ? "follow-up to an urgent report" : "stored urgent report"} has not reached the on-call fan-out after ${row.attempts + 1} queue sends.`,
      "It is stored; this mail is the direct page. Contact the reporter.",
      "",
      `Reference: ${report.reference}`,
      `Received:  ${report.createdAt}`,
      `Channel:   ${report.channel}`,
      `Name:      ${r.name ?? "not given"}`,
      `Email:     ${r.email ?? "not given"}`,
      `Phone:     ${r.phone ?? "not given"}`,
      `Subject:   ${report.subject}`,
      "",
      text,
    ].join("\n"),
  };
  return (await sendMail(svc, to, mail)) > 0;
}

export const outboxCronTask: CronTask = {
  name: "report-outbox",
  run: async (svc, now) => {
    await resendUndispatchedOutbox(svc, now);
  },
};
