// The path canary as a cron task: every minute it looks whether a run is due (every
// ASSURANCE_CANARY_MINUTES) and drives the paths through this Worker's own routes and email
// handler, in this invocation. Jobs those requests dispatch (the synthetic reports' fan-out)
// run here too and are awaited, so one tick verifies every path and channel.
import { createApp } from "../app";
import { handleInboundEmail } from "../email/inbound";
import type { CronTask } from "../platform/tasks";
import type { Services } from "../platform/services";
import type { SelfWorker } from "./paths";
import { runPathCanary } from "./run";

/** This Worker in-process: the app's routes with an execution context whose deferred work is
 * awaited, and the email handler's code path (without the forward: see handleInboundEmail). */
export function selfWorker(svc: Services, now: Date): SelfWorker {
  const app = createApp();
  // svc.channelSettings is the Worker's Env (platform/services.ts): the routes build their own
  // services from it, as they do for any request.
  const env = svc.channelSettings;
  return {
    async fetch(req) {
      const pending: Promise<unknown>[] = [];
      const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException: () => undefined, props: {} } as unknown as ExecutionContext;
      const res = await app.fetch(req, env, ctx);
      await settle(pending);
      return res;
    },
    async email(message) {
      const pending: Promise<unknown>[] = [];
      await handleInboundEmail({ ...svc, defer: (p) => void pending.push(p) }, message, { now, synthetic: true });
      await settle(pending);
    },
  };
}

/** Awaits deferred work, including work deferred by deferred work (a webhook's job that files
 * a report whose fan-out is dispatched in turn). */
async function settle(pending: Promise<unknown>[]): Promise<void> {
  for (let done = 0; done < pending.length; ) {
    const batch = pending.slice(done);
    done = pending.length;
    await Promise.allSettled(batch);
  }
}

export const pathCanaryCronTask: CronTask = {
  name: "path-canary",
  async run(svc, now) {
    await runPathCanary(svc, selfWorker(svc, now), now);
  },
};
