import type { Job } from "../../contract/jobs";
import type { Services } from "../platform/services";
import { insertFollowUpOutboxStatement, insertMessageStatement, recordOutboxSendFailure, type Report } from "./queries";

/**
 * A reporter's follow-up: stored with its outbox row in one batch, then handed to the fan-out,
 * which tells whoever acknowledged the report (or the people being paged). Every channel's
 * follow-ups come through here.
 */
export async function addFollowUp(svc: Pick<Services, "db" | "queue">, report: Report, body: string, now: Date): Promise<void> {
  const outboxId = crypto.randomUUID();
  const [inserted] = await svc.db.batch<{ id: number }>([
    insertMessageStatement(svc.db, { reportId: report.id, author: "reporter", authorName: report.reporter.name, body, createdAt: now.toISOString() }),
    insertFollowUpOutboxStatement(svc.db, { id: outboxId, reportId: report.id, now: now.toISOString() }),
  ]);
  const job: Job = { type: "report.followup", reportId: report.id, messageId: inserted!.results[0]!.id, outboxId };
  try {
    await svc.queue.dispatch(job);
  } catch (err) {
    console.error(`follow-up on ${report.reference}: queue send failed; the outbox sweep will retry`, err);
    await recordOutboxSendFailure(svc.db, outboxId, err).catch(() => undefined);
  }
}

