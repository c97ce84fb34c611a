// The shapes capabilities use to take part in the Worker's two event loops, so that a
// capability registers work without importing the dispatchers (functions/cron/,
// functions/queue/), which import the capabilities: dependencies run one way.
import type { Job, JobType } from "../../contract/jobs";
import type { Services } from "./services";

/** A periodic task; the cron dispatcher runs every registered task each minute. */
export interface CronTask {
  name: string;
  run(svc: Services, now: Date): Promise<void>;
}

/** What a job handler gets: the services and the time to act as "now". */
export interface JobContext {
  svc: Services;
  now: Date;
  /** The queue message's id: the key that makes a repeated delivery harmless. */
  messageId: string;
  attempts: number;
}

export type JobHandler<T extends JobType> = (job: Extract<Job, { type: T }>, ctx: JobContext) => Promise<void>;
/** Handlers a capability contributes, by job type. */
export type JobHandlers = { [T in JobType]?: JobHandler<T> };
