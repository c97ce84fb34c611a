// The one event of the status capability: `status.published`. Every write (writes.ts) puts the
// event's row into its own D1 batch, then dispatches it; consumers above status (subscribers,
// social and the mirror) register a StatusEventConsumer with the queue
// dispatcher, so status imports none of them. Each consumer runs once per event: its finish is
// recorded (status_event_consumers), and a retry runs only the consumers that have not.
import type { Job, StatusChange, StatusPublishedJob } from "../../contract/jobs";
import { Job as JobSchema } from "../../contract/jobs";
import type { NotifyChoice } from "../../contract/status";
import { OUTBOX_RESEND_AFTER_MS, outboxResendDue } from "../platform/outbox-backoff.pure";
import type { Services } from "../platform/services";
import type { CronTask, JobContext, JobHandlers } from "../platform/tasks";
import {
  insertStatusEventStatement,
  listUndispatchedStatusEvents,
  markStatusEventConsumed,
  markStatusEventDispatched,
  recordStatusEventAttempt,
  recordStatusEventError,
  statusEventConsumersDone,
} from "./queries";

/** Something that acts on every published status change. `name` is stored: keep it stable. */
export interface StatusEventConsumer {
  name: string;
  handle(event: StatusPublishedJob, ctx: JobContext): Promise<void>;
}

export type { StatusPublishedJob };

export const defaultNotify: NotifyChoice = { subscribers: true, social: true };

export function statusEvent(p: {
  id: string;
  kind: StatusPublishedJob["kind"];
  incidentId: string | null;
  updateId: string | null;
  changes: StatusChange[];
  notify: NotifyChoice | undefined;
  actor: string;
  at: string;
}): StatusPublishedJob {
  return {
    type: "status.published",
    eventId: p.id,
    kind: p.kind,
    incidentId: p.incidentId,
    updateId: p.updateId,
    changes: p.changes,
    notify: p.notify ?? defaultNotify,
    actor: p.actor.slice(0, 200),
    at: p.at,
  };
}

/** The event's row, for the batch of the write it describes. */
export function statusEventStatement(db: D1Database, event: StatusPublishedJob): D1PreparedStatement {
  return insertStatusEventStatement(db, {
    id: event.eventId,
    kind: event.kind,
    incidentId: event.incidentId,
    updateId: event.updateId,
    payload: JSON.stringify(event),
    at: event.at,
  });
}

/**
 * After the write committed: runs the consumers in this invocation (after the answer) with the
 * queued copy as the safety net. A failed send is only logged and noted on the row: the write
 * is done, and the sweep sends the event again.
 */
export async function dispatchStatusEvent(svc: Pick<Services, "db" | "queue">, event: StatusPublishedJob): Promise<void> {
  try {
    await svc.queue.dispatch(event);
  } catch (err) {
    console.error(`status: ${event.eventId} not sent to the queue; the sweep will send it`, err);
    await recordStatusEventError(svc.db, event.eventId, err instanceof Error ? err.message : String(err)).catch(() => undefined);
  }
}

class ConsumersFailed extends Error {
  constructor(readonly failed: string[]) {
    super(`status.published: ${failed.join(", ")} failed; retried with the others skipped`);
    this.name = "ConsumersFailed";
  }
}

/**
 * The handler of status.published for the given consumers: each one not yet done runs (side
 * by side, so one slow consumer does not hold up the others), its finish is recorded, and when
 * all have finished the event is marked dispatched. Any failure makes the job retry.
 */
export function statusEventHandlers(consumers: readonly StatusEventConsumer[]): JobHandlers {
  return {
    "status.published": async (event, ctx) => {
      const db = ctx.svc.db;
      const done = await statusEventConsumersDone(db, event.eventId);
      const pending = consumers.filter((c) => !done.has(c.name));
      const results = await Promise.allSettled(
        pending.map(async (consumer) => {
          await consumer.handle(event, ctx);
          await markStatusEventConsumed(db, event.eventId, consumer.name, new Date().toISOString());
        }),
      );
      const failed = pending.filter((_, i) => results[i]!.status === "rejected").map((c) => c.name);
      for (const [i, r] of results.entries()) if (r.status === "rejected") console.error(`status.published ${event.eventId}: ${pending[i]!.name} failed`, r.reason);
      if (failed.length > 0) throw new ConsumersFailed(failed);
      await markStatusEventDispatched(db, event.eventId, ctx.now.toISOString());
    },
  };
}

const SWEEP_BATCH = 100;

/** Sends again the events whose consumers have not all finished, with growing intervals. */
export async function resendUndispatchedStatusEvents(svc: Pick<Services, "db" | "queue">, now: Date): Promise<{ resent: number; failed: number }> {
  const rows = (await listUndispatchedStatusEvents(svc.db, new Date(now.getTime() - OUTBOX_RESEND_AFTER_MS).toISOString(), SWEEP_BATCH)).filter((row) =>
    outboxResendDue({ attempts: row.attempts, lastAttemptAt: row.last_attempt_at }, now),
  );
  let resent = 0;
  let failed = 0;
  for (const row of rows) {
    let error: string | null = null;
    try {
      const job: Job = JobSchema.parse(JSON.parse(row.payload));
      await svc.queue.send(job);
      resent++;
    } catch (err) {
      failed++;
      error = err instanceof Error ? err.message : String(err);
    }
    await recordStatusEventAttempt(svc.db, row.id, now.toISOString(), error);
  }
  if (failed > 0) throw new Error(`${failed} of ${rows.length} status event re-sends failed`);
  return { resent, failed };
}

export const statusEventsCronTask: CronTask = {
  name: "status-events",
  run: async (svc, now) => {
    await resendUndispatchedStatusEvents(svc, now);
  },
};
