// The outbox sweep (cron, every minute): re-sends report.received jobs the queue never
// delivered to their consumer, so a failed queue send or a lost message never loses a report.
import { Job } from "../../contract/jobs";
import { recordCheckFailure } from "../assurance/checks";
import type { CronTask } from "../cron/scheduled";
import { countStuckOutbox, listUndispatchedOutbox, recordOutboxAttempt } from "./queries";

/** A row is re-sent when its last send is this old and nobody marked it dispatched. */
export const OUTBOX_RESEND_AFTER_MS = 60_000;
/** After this many sends a row is left alone and flagged in assurance ("intake:outbox"). */
export const OUTBOX_MAX_ATTEMPTS = 10;
const BATCH = 100;

export async function resendUndispatchedOutbox(env: Env, now: Date): Promise<{ resent: number; failed: number }> {
  const rows = await listUndispatchedOutbox(env.DB, new Date(now.getTime() - OUTBOX_RESEND_AFTER_MS).toISOString(), OUTBOX_MAX_ATTEMPTS, BATCH);
  let resent = 0;
  let failed = 0;
  for (const row of rows) {
    let error: string | null = null;
    try {
      const job = Job.parse(JSON.parse(row.payload));
      await env.FANOUT.send(job);
      resent++;
    } catch (err) {
      failed++;
      error = err instanceof Error ? err.message : String(err);
      console.error(`outbox: re-send of ${row.id} failed`, err);
    }
    await recordOutboxAttempt(env.DB, row.id, now.toISOString(), error);
  }
  const stuck = await countStuckOutbox(env.DB, OUTBOX_MAX_ATTEMPTS);
  if (stuck > 0) await recordCheckFailure(env.DB, "intake:outbox", now, `${stuck} report job(s) were sent ${OUTBOX_MAX_ATTEMPTS} times and never processed`);
  if (failed > 0) throw new Error(`${failed} of ${rows.length} outbox re-sends failed`);
  return { resent, failed };
}

export const outboxCronTask: CronTask = {
  name: "report-outbox",
  run: async (env, now) => {
    await resendUndispatchedOutbox(env, now);
  },
};
