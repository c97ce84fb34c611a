// The queue canary: every minute the cron sends a canary job through the fan-out queue and the
// consumer records its arrival and latency as the "queue" check. A queue that stops
// delivering shows up in GET /api/admin/assurance within minutes, not when a page is lost.
import type { Job } from "../../contract/jobs";
import type { CronTask, JobHandlers } from "../platform/tasks";
import { recordCheckSuccess } from "./queries";

export const queueCanaryCronTask: CronTask = {
  name: "queue-canary",
  async run(svc, now) {
    const job: Job = { type: "canary", sentAt: now.toISOString() };
    await svc.queue.send(job);
  },
};

export const assuranceJobHandlers: JobHandlers = {
  canary: async (job, { svc, now }) => {
    await recordCheckSuccess(svc.db, "queue", now, { latencyMs: now.getTime() - Date.parse(job.sentAt) });
  },
};
