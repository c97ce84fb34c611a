import { Job, type Job as JobT, type JobType } from "../../contract/jobs";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/checks";
import { RetryLater, handleDeadNotification, sendNotification } from "../alerts/delivery";
import { escalateAlert, handleReportReceived } from "../alerts/lifecycle";

/** What a job handler gets: the environment and the time to act as "now". */
export interface JobContext {
  env: Env;
  now: Date;
  /** The queue message's id: the key that makes a repeated delivery harmless. */
  messageId: string;
  attempts: number;
}

export type JobHandler<T extends JobType> = (job: Extract<JobT, { type: T }>, ctx: JobContext) => Promise<void>;
/** One handler per job type; capabilities register theirs here (one line each). A job type
 * without a handler yet is retried, then dead-lettered: never silently dropped. */
type JobHandlers = { [T in JobType]?: JobHandler<T> };

const handlers: JobHandlers = {
  // The cron sends a canary every minute; receiving it proves the queue delivers.
  canary: async (job, { env, now }) => {
    await recordCheckSuccess(env.DB, "queue", now, { latencyMs: now.getTime() - Date.parse(job.sentAt) });
  },
  "report.received": (job, { env, now }) => handleReportReceived(env, job, now),
  "alert.escalate": async (job, { env, now }) => void (await escalateAlert(env, job.alertId, now)),
  "notification.send": async (job, { env, now }) => void (await sendNotification(env, job.deliveryId, now)),
};

/** Exponential backoff for retries: 5 s, 10 s, 20 s ... capped at 10 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(600, 5 * 2 ** Math.max(0, attempts - 1));
}

export async function consumeFanout(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Notification sends run side by side, so one slow or hung provider never holds up the
  // pages in the same batch; every other job runs in order, one at a time.
  const isSend = (m: Message<unknown>) => (m.body as { type?: unknown } | null)?.type === "notification.send";
  const inOrder = batch.messages.filter((m) => !isSend(m));
  await Promise.all([
    (async () => {
      for (const message of inOrder) await consumeOne(message, env);
    })(),
    ...batch.messages.filter(isSend).map((message) => consumeOne(message, env)),
  ]);
}

async function consumeOne(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = Job.safeParse(message.body);
  if (!parsed.success) {
    // A body that does not parse will never parse: retrying it only delays the others.
    console.error("queue: dropping malformed message", message.id, parsed.error.message);
    await recordCheckFailure(env.DB, "queue", new Date(), `malformed message ${message.id}: ${parsed.error.message}`);
    message.ack();
    return;
  }
  const job = parsed.data;
  const ctx: JobContext = { env, now: new Date(), messageId: message.id, attempts: message.attempts };
  try {
    const handler = handlers[job.type] as ((j: JobT, c: JobContext) => Promise<void>) | undefined;
    if (!handler) throw new Error(`no handler is registered for ${job.type} jobs`);
    await handler(job, ctx);
    message.ack();
  } catch (err) {
    // A provider's Retry-After (carried by the error) is a floor under the backoff.
    const floor = (err as { minDelaySeconds?: number | null }).minDelaySeconds;
    // A provider saying "not now" is expected and recorded in assurance: one line, no stack.
    if (err instanceof RetryLater) console.warn(`queue: ${job.type} will be retried (attempt ${message.attempts}): ${err.message}`);
    else console.error(`queue: ${job.type} failed (attempt ${message.attempts})`, err);
    message.retry({ delaySeconds: Math.min(3600, Math.max(retryDelaySeconds(message.attempts), floor ?? 0)) });
  }
}

/** Messages that exhausted their retries: kept in D1 and flagged in assurance. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const now = new Date();
  for (const message of batch.messages) {
    await env.DB.prepare(
      "INSERT INTO dead_letters (message_id, body, attempts, received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (message_id) DO NOTHING",
    )
      .bind(message.id, JSON.stringify(message.body), message.attempts, now.toISOString())
      .run();
    await recordCheckFailure(env.DB, "queue", now, `message ${message.id} exhausted its retries`);
    // A notification that could not be sent: record it and try the person's next method now.
    const job = Job.safeParse(message.body);
    if (job.success && job.data.type === "notification.send") await handleDeadNotification(env, job.data.deliveryId, now);
    message.ack();
  }
}

export function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  return batch.queue.endsWith("-dlq") ? consumeDeadLetters(batch, env) : consumeFanout(batch, env);
}
