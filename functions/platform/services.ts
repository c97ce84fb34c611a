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
}

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

export function queueOf(binding: Queue): JobQueue {
  return {
    send: async (job, opts) => {
      if (opts?.delaySeconds) await binding.send(job, { delaySeconds: opts.delaySeconds });
      else await binding.send(job);
    },
    sendAll: async (jobs, opts) => {
      for (let i = 0; i < jobs.length; i += 100) {
        await binding.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body, ...(opts?.delaySeconds ? { delaySeconds: opts.delaySeconds } : {}) })));
      }
    },
  };
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

export function buildServices(env: Env, waitUntil?: (work: Promise<unknown>) => void): Services {
  const pending: Promise<unknown>[] = [];
  return {
    db: env.DB,
    queue: queueOf(env.FANOUT),
    mail: mailerOf(env.EMAIL),
    clock: systemClock,
    config: readConfig(env),
    limiters: { report: env.REPORT_LIMITER, api: env.API_LIMITER },
    channelSettings: env,
    defer: waitUntil ?? ((work) => void pending.push(work.catch((err) => console.error("deferred work failed", err)))),
  };
}
