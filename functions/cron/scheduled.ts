// The cron dispatcher: every minute it runs each capability's periodic tasks side by side.
// Capabilities register their tasks with one line in `cronTasks`.
import { alertCronTasks } from "../alerts/jobs";
import { queueCanaryCronTask } from "../assurance/canary";
import { pathCanaryCronTask } from "../canary/cron";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import { oncallDoctorCronTask } from "../oncall/cron";
import { buildServices, type Services } from "../platform/services";
import { runJob } from "../queue/consumer";
import type { CronTask } from "../platform/tasks";
import { outboxCronTask } from "../reports/outbox";
import { phoneCronTask } from "../phone/cron";
import { maintenanceClock, statusEventsCronTask } from "../status/cron";
import { monitorsCronTask } from "../monitors/cron";
import { emailSweepCronTask } from "../email/sweep";
import { socialCronTask } from "../social/cron";
import { replySweepCronTask } from "../inbox/actions";
import { mirrorCronTask } from "../mirror/jobs";

export const cronTasks: CronTask[] = [
  // Re-sends report.received jobs whose queue send failed or was never processed.
  outboxCronTask,
  maintenanceClock,
  // Re-sends status.published events whose consumers have not all finished.
  statusEventsCronTask,
  // Proves the queue end to end: the consumer records its arrival (assurance "queue").
  queueCanaryCronTask,
  // A synthetic report through every intake path to the fan-out's send step, every quarter hour.
  pathCanaryCronTask,
  ...alertCronTasks,
  // The on-call doctor every quarter hour, recorded as assurance "oncall:doctor".
  oncallDoctorCronTask,
  // Monitors due, heartbeats missed, and the effects of their status changes.
  monitorsCronTask,
  // Inbound mail stored while D1 was down, or not processed yet: filed; nothing is lost.
  emailSweepCronTask,
  // Hotline calls that ended without a recording (missed calls), recordings to copy or file.
  phoneCronTask,
  // X, Mastodon, Bluesky: poll mentions and DMs, post replies and staff updates.
  socialCronTask,
  // Staff replies whose send job was lost go out again.
  replySweepCronTask,
  // The static mirror: a target behind the status version, or due its hourly refresh, is published.
  mirrorCronTask,
];

/**
 * Runs every task; one failing task never stops the others. Each failure is recorded in
 * assurance (and logged), and the run as a whole is recorded as the "cron" check.
 */
export async function runScheduled(svc: Services, now: Date, tasks: CronTask[] = cronTasks): Promise<{ failed: string[] }> {
  const results = await Promise.allSettled(tasks.map((task) => task.run(svc, now)));
  const failed: string[] = [];
  for (const [i, result] of results.entries()) {
    const name = tasks[i]!.name;
    if (result.status === "rejected") {
      failed.push(name);
      console.error(`cron: ${name} failed`, result.reason);
      await recordCheckFailure(svc.db, `cron:${name}`, now, result.reason);
    }
  }
  await recordCheckSuccess(svc.db, "cron", now, { tasks: tasks.length, failed });
  return { failed };
}

export function handleScheduled(controller: ScheduledController, env: Env, ctx?: ExecutionContext): Promise<{ failed: string[] }> {
  return runScheduled(buildServices(env, ctx ? (work) => ctx.waitUntil(work) : undefined, runJob), new Date(controller.scheduledTime));
}
