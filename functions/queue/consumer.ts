// The queue dispatcher: parses each message with the job schema, hands it to the capability
// that registered its type, and acks or retries it with exponential backoff. Capabilities
// register their handlers with one line in `handlers`.
import { Job, type Job as JobT } from "../../contract/jobs";
import { assuranceJobHandlers } from "../assurance/canary";
import { recordCheckFailure, recordDeadLetter } from "../assurance/queries";
import { RetryLater } from "../alerts/delivery";
import { alertJobHandlers, handleDeadNotification } from "../alerts/jobs";
import { inboxJobHandlers } from "../inbox/actions";
import { metered, meteringOn } from "../platform/meter";
import { mirrorJobHandlers, mirrorStatusConsumer } from "../mirror/jobs";
import { buildServices, type Services } from "../platform/services";
import { socialJobHandlers } from "../social/jobs";
import { socialStatusConsumer } from "../social/updates";
import type { JobContext, JobHandlers } from "../platform/tasks";
import { statusEventHandlers, type StatusEventConsumer } from "../status/events";
import { subscriberJobHandlers, subscriberStatusConsumer } from "../subscribers/jobs";

/**
 * Who acts on every published status change (status.published), one line each. Each runs once
 * per event; a failing one is retried without repeating the others (status/events.ts).
 */
const statusConsumers: StatusEventConsumer[] = [subscriberStatusConsumer, mirrorStatusConsumer, socialStatusConsumer];

/** One handler per job type. A job type without a handler is retried, then dead-lettered:
 * never silently dropped. */
const handlers: JobHandlers = {
  ...assuranceJobHandlers,
  ...alertJobHandlers,
  ...socialJobHandlers,
  ...inboxJobHandlers,
  ...statusEventHandlers(statusConsumers),
  ...subscriberJobHandlers,
  ...mirrorJobHandlers,
};

/** Runs a job's handler in this invocation (the fast path of `svc.queue.dispatch`). */
export async function runJob(job: JobT, svc: Services): Promise<void> {
  const handler = handlers[job.type] as ((j: JobT, c: JobContext) => Promise<void>) | undefined;
  if (!handler) throw new Error(`no handler is registered for ${job.type} jobs`);
  await handler(job, { svc, now: new Date(), messageId: `inline:${crypto.randomUUID()}`, attempts: 0 });
}

/** Exponential backoff for retries: 5 s, 10 s, 20 s ... capped at 10 minutes. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(600, 5 * 2 ** Math.max(0, attempts - 1));
}

export async function consumeFanout(batch: MessageBatch<unknown>, svc: Services): Promise<void> {
  // Sends (pages, subscriber deliveries) run side by side, so one slow or hung provider never
  // holds up the others in the same batch; every other job runs in order, one at a time.
  const sends = new Set(["notification.send", "subscribers.deliver"]);
  const isSend = (m: Message<unknown>) => sends.has(String((m.body as { type?: unknown } | null)?.type));
  const inOrder = batch.messages.filter((m) => !isSend(m));
  await Promise.all([
    (async () => {
      for (const message of inOrder) await consumeOne(message, svc);
    })(),
    ...batch.messages.filter(isSend).map((message) => consumeOne(message, svc)),
  ]);
}

async function consumeOne(message: Message<unknown>, svc: Services): Promise<void> {
  const parsed = Job.safeParse(message.body);
  if (!parsed.success) {
    // A body that does not parse will never parse: retrying it only delays the others.
    console.error("queue: dropping malformed message", message.id, parsed.error.message);
    await recordCheckFailure(svc.db, "queue", new Date(), `malformed message ${message.id}: ${parsed.error.message}`);
    message.ack();
    return;
  }
  const job = parsed.data;
  const ctx: JobContext = { svc, now: new Date(), messageId: message.id, attempts: message.attempts };
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
export async function consumeDeadLetters(batch: MessageBatch<unknown>, svc: Services): Promise<void> {
  const now = new Date();
  for (const message of batch.messages) {
    await recordDeadLetter(svc.db, { messageId: message.id, body: message.body, attempts: message.attempts, now });
    await recordCheckFailure(svc.db, "queue", now, `message ${message.id} exhausted its retries`);
    // A notification that could not be sent: record it and try the person's next method now.
    const job = Job.safeParse(message.body);
    if (job.success && job.data.type === "notification.send") await handleDeadNotification(svc, job.data.deliveryId, now);
    message.ack();
  }
}

export function handleQueue(batch: MessageBatch<unknown>, env: Env, ctx?: ExecutionContext): Promise<void> {
  const consume = (svc: Services) => (batch.queue.endsWith("-dlq") ? consumeDeadLetters(batch, svc) : consumeFanout(batch, svc));
  // The benchmarks count each invocation's subrequests (platform/meter.ts); never in production.
  if (meteringOn(env)) return metered(env, `queue ${batch.queue}`, { messages: batch.messages.length }, (metered, waitUntil) => consume(buildServices(metered, waitUntil, runJob)));
  return consume(buildServices(env, ctx ? (work) => ctx.waitUntil(work) : undefined, runJob));
}
