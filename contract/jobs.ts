// Messages on the fan-out queue. Every consumer parses bodies with this schema first: a queue
// body is input like any other. Capabilities add their job types here.
import { z } from "zod";

export const CanaryJob = z.object({
  type: z.literal("canary"),
  /** When the cron enqueued it: the consumer records the queue's latency from it. */
  sentAt: z.iso.datetime(),
});

export const Job = z.discriminatedUnion("type", [CanaryJob]);
export type Job = z.infer<typeof Job>;
export type JobType = Job["type"];
