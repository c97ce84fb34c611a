// The services a request or event works with, built once from the Worker's bindings (as
// Unkey's API builds them in one middleware) and passed to each function as the part it uses:
// `intakeReport(svc: Pick<Services, "db" | "queue" | ...>)`. Tests build the same object with a
// captured queue, a recording mailer or a fixed clock instead of rebuilding an Env.
import type { Job } from "../../contract/jobs";
import { readConfig, type Config } from "./config";

/** The fan-out queue, typed by its jobs. */
export interface JobQueue {
  send(job: Job, opts?: { delaySeconds?: number }): Promise<void>;
  /** Any number of jobs (sent in chunks of 100, the platform's batch limit). */
  sendAll(jobs: Job[], opts?: { delaySeconds?: number }): Promise<void>;
  /**
   * Runs the job in this invocation, after the answer, when the Worker wired a runner (the
   * fast path: a page leaves within a second of the report), and always sends it on the queue
   * too, delayed by SAFETY_NET_DELAY_SECONDS: if this invocation dies mid-way the queue runs it
   * again, and every handler is idempotent, so the copy is a no-op when the first run finished.
   * Rejects only when the queue send fails (callers keep their outbox row then).
   */
  dispatch(job: Job): Promise<void>;
}

/** How long the queued copy of a dispatched job waits before it checks the work was done. */
export const SAFETY_NET_DELAY_SECONDS = 30;

/** Runs a job's handler in-process (wired by the Worker entry; absent in unit tests). */
export type JobRunner = (job: Job, svc: Services) => Promise<void>;

/** Outgoing mail (Cloudflare's send_email binding, or a recorder in tests). */
export interface OutgoingMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string | null }>;
}

export interface Clock {
  now(): Date;
}

export interface Services {
  db: D1Database;
  queue: JobQueue;
  mail: Mailer;
  clock: Clock;
  config: Config;
  limiters: { report: RateLimit; api: RateLimit };
  /** What the on-call channel adapters read: provider URLs, credentials and the mail binding. */
  channelSettings: Env;
  /** Work that may finish after the answer (mail, cache writes); awaited inline when absent. */
  defer(work: Promise<unknown>): void;
}

export function queueOf(binding: Queue, inline?: { run: (job: Job) => Promise<void>; defer: (work: Promise<unknown>) => void }): JobQueue {
  const queue: JobQueue = {
    send: async (job, opts) => {
      if (opts?.delaySeconds) await binding.send(job, { delaySeconds: opts.delaySeconds });
      else await binding.send(job);
    },
    sendAll: async (jobs, opts) => {
      for (let i = 0; i < jobs.length; i += 100) {
        await binding.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body, ...(opts?.delaySeconds ? { delaySeconds: opts.delaySeconds } : {}) })));
      }
    },
    dispatch: async (job) => {
      if (!inline) return queue.send(job);
      // Run first (deferred past the answer), then make sure the queued copy exists.
      inline.defer(inline.run(job).catch((err) => console.error(`inline ${job.type} failed; the queued copy will retry it`, err)));
      await queue.send(job, { delaySeconds: SAFETY_NET_DELAY_SECONDS });
    },
  };
  return queue;
}

export function mailerOf(binding: SendEmail): Mailer {
  return {
    send: async (mail) => {
      const result = (await binding.send(mail as never)) as { messageId?: string } | undefined;
      return { messageId: result?.messageId ?? null };
    },
  };
}

export const systemClock: Clock = { now: () => new Date() };

export function buildServices(env: Env, waitUntil?: (work: Promise<unknown>) => void, runner?: JobRunner): Services {
  const pending: Promise<unknown>[] = [];
  const defer = waitUntil ?? ((work: Promise<unknown>) => void pending.push(work.catch((err) => console.error("deferred work failed", err))));
  const svc: Services = {
    db: env.DB,
    queue: queueOf(env.FANOUT, runner ? { run: (job) => runner(job, svc), defer } : undefined),
    mail: mailerOf(env.EMAIL),
    clock: systemClock,
    config: readConfig(env),
    limiters: { report: env.REPORT_LIMITER, api: env.API_LIMITER },
    channelSettings: env,
    defer,
  };
  return svc;
}
