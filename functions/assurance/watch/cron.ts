// The watch's cron tasks, registered with one line in functions/cron/scheduled.ts.
import type { CronTask } from "../../platform/tasks";
import { detectDrift } from "./drift";
import { runHumanCheck } from "./human-check";
import { deleteRunsBefore } from "./queries";
import { sendWeeklySummary } from "./summary";

/** Check history is kept this long (the summary reads a week; drift the last few runs). */
const RUN_RETENTION_DAYS = 35;

export const assuranceWatchCronTasks: CronTask[] = [
  {
    name: "assurance-drift",
    async run(svc, now) {
      await detectDrift(svc, now);
      if (now.getUTCMinutes() === 0) await deleteRunsBefore(svc.db, new Date(now.getTime() - RUN_RETENTION_DAYS * 86_400_000));
    },
  },
  { name: "assurance-human-check", run: (svc, now) => runHumanCheck(svc, now) },
  { name: "assurance-summary", run: (svc, now) => sendWeeklySummary(svc, now).then(() => undefined) },
];
