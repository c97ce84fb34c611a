// The fan-out's part of the Worker's event loops: the queue jobs it handles and its cron
// tasks. Registered by the dispatchers (functions/queue, functions/cron) with one line each.
import type { CronTask, JobHandlers } from "../platform/tasks";
import { handleDeadNotification, resendStuckDeliveries, sendNotification } from "./delivery";
import { flushDigest, flushDueDigests } from "./digest";
import { handleReportFollowUp } from "./followup";
import { escalateAlert, escalateDueAlerts, handleReportReceived } from "./lifecycle";
import { handleSignalRaised, handleSignalRecovered } from "./signals";

export const alertJobHandlers: JobHandlers = {
  "report.received": (job, { svc, now }) => handleReportReceived(svc, job, now),
  "report.followup": (job, { svc, now }) => handleReportFollowUp(svc, job, now),
  "digest.flush": async (job, { svc, now }) => void (await flushDigest(svc, job.personId, now)),
  "signal.raised": (job, { svc, now }) => handleSignalRaised(svc, job, now),
  "signal.recovered": (job, { svc, now }) => handleSignalRecovered(svc, job, now),
  "alert.escalate": async (job, { svc, now }) => void (await escalateAlert(svc, job.alertId, now)),
  "notification.send": async (job, { svc, now }) => void (await sendNotification(svc, job.deliveryId, now)),
};

export const alertCronTasks: CronTask[] = [
  // Backstop of the escalation timers (delayed queue messages may be lost on restart).
  { name: "alerts-escalate", run: (svc, now) => escalateDueAlerts(svc, now).then(() => undefined) },
  // Outbox sweep of notifications whose queue message never arrived.
  { name: "deliveries-resend", run: (svc, now) => resendStuckDeliveries(svc, now).then(() => undefined) },
  // Digests whose window has passed (the first of a window goes out at once).
  { name: "digests", run: (svc, now) => flushDueDigests(svc, now).then(() => undefined) },
];

/** A notification that exhausted its queue retries: recorded, and the next method tried. */
export { handleDeadNotification };
