// The outbox sweep (cron, every minute): re-sends report.received jobs the queue never
// delivered to their consumer, so a failed queue send or a lost message never loses a report.
import { Job } from "../../contract/jobs";
import { recordCheckFailure } from "../assurance/queries";
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import { countStuckOutbox, listUndispatchedOutbox, recordOutboxAttempt } from "./queries";

/** A row is re-sent when its last send is this old and nobody marked it dispatched. */
export const OUTBOX_RESEND_AFTER_MS = 60_000;
/** After this many sends a row is left alone and flagged in assurance ("intake:outbox"). */
export const OUTBOX_MAX_ATTEMPTS = 10;
const BATCH = 100;

export async function resendUndispatchedOutbox(svc: Pick<Services, "db" | "queue">, now: Date): Promise<{ resent: number; failed: number }> {
  const rows = await listUndispatchedOutbox(svc.db, new Date(now.getTime() - OUTBOX_RESEND_AFTER_MS).toISOString(), OUTBOX_MAX_ATTEMPTS, BATCH);
  let resent = 0;
  let failed = 0;
  for (const row of rows) {
    let error: string | null = null;
    try {
      const job = Job.parse(JSON.parse(row.payload));
      await svc.queue.send(job);
      resent++;
    } catch (err) {
      failed++;
      error = err instanceof Error ? err.message : String(err);
      console.error(`outbox: re-send of ${row.id} failed`, err);
    }
    await recordOutboxAttempt(svc.db, row.id, now.toISOString(), error);
  }
  const stuck = await countStuckOutbox(svc.db, OUTBOX_MAX_ATTEMPTS);
  if (stuck > 0) await recordCheckFailure(svc.db, "intake:outbox", now, `${stuck} report job(s) were sent ${OUTBOX_MAX_ATTEMPTS} times and never processed`);
  if (failed > 0) throw new Error(`${failed} of ${rows.length} outbox re-sends failed`);
  return { resent, failed };
}

export const outboxCronTask: CronTask = {
  name: "report-outbox",
  run: async (svc, now) => {
    await resendUndispatchedOutbox(svc, now);
  },
};
