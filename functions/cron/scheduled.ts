import type { Job } from "../../contract/jobs";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/checks";
import { outboxCronTask } from "../reports/outbox";
import { resendStuckDeliveries } from "../alerts/delivery";
import { escalateDueAlerts } from "../alerts/lifecycle";
import { oncallDoctorCronTask } from "../oncall/cron";
import { maintenanceClock } from "../status/cron";
import { monitorsCronTask } from "../monitors/cron";

/** A periodic task. Capabilities add theirs to `cronTasks`; each runs every minute. */
export interface CronTask {
  name: string;
  run(env: Env, now: Date): Promise<void>;
}

export const cronTasks: CronTask[] = [
  // Re-sends report.received jobs whose queue send failed or was never processed.
  outboxCronTask,
  maintenanceClock,
  {
    // Proves the queue end to end: the consumer records its arrival (assurance "queue").
    name: "queue-canary",
    async run(env, now) {
      const job: Job = { type: "canary", sentAt: now.toISOString() };
      await env.FANOUT.send(job);
    },
  },
  // Backstop of the escalation timers (delayed queue messages may be lost on restart).
  { name: "alerts-escalate", run: (env, now) => escalateDueAlerts(env, now).then(() => undefined) },
  // Outbox sweep of notifications whose queue message never arrived.
  { name: "deliveries-resend", run: (env, now) => resendStuckDeliveries(env, now).then(() => undefined) },
  // The on-call doctor every quarter hour, recorded as assurance "oncall:doctor".
  oncallDoctorCronTask,
  // Monitors due, heartbeats missed, and the effects of their status changes.
  monitorsCronTask,
];

/**
 * Runs every task; one failing task never stops the others. Each failure is recorded in
 * assurance (and logged), and the run as a whole is recorded as the "cron" check.
 */
export async function runScheduled(env: Env, now: Date, tasks: CronTask[] = cronTasks): Promise<{ failed: string[] }> {
  const results = await Promise.allSettled(tasks.map((task) => task.run(env, now)));
  const failed: string[] = [];
  for (const [i, result] of results.entries()) {
    const name = tasks[i]!.name;
    if (result.status === "rejected") {
      failed.push(name);
      console.error(`cron: ${name} failed`, result.reason);
      await recordCheckFailure(env.DB, `cron:${name}`, now, result.reason);
    }
  }
  await recordCheckSuccess(env.DB, "cron", now, { tasks: tasks.length, failed });
  return { failed };
}
