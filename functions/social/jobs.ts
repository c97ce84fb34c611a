// Queue jobs of the social room: handle stored mentions and DMs, send due posts. Each run is
// bounded and sends its job again while more waits; the cron is the backstop for both.
import type { JobHandlers } from "../platform/tasks";
import { handlePendingInbound } from "./inbound";
import { sendDuePosts } from "./outbound";
import { networkOf } from "./registry";

export const socialJobHandlers: JobHandlers = {
  "social.inbound": async (job, { svc, now }) => {
    const run = await handlePendingInbound(svc, job.network, now);
    // Storage refusing reports (intake paged on-call by mail) is given a minute, not a loop.
    const stalled = run.outcomes.some((o) => o.startsWith("retrying"));
    if (run.remaining > 0) await svc.queue.send(job, stalled ? { delaySeconds: 60 } : undefined);
  },
  "social.send": async (job, { svc, now }) => {
    const run = await sendDuePosts(svc, networkOf(job.network), now);
    if (run.more) await svc.queue.send(job);
  },
};
