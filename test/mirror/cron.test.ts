// The mirror's cron task: a target behind the status version, never published, or due its
// hourly refresh gets a publish job; one backing off after failures does not.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Job } from "../../contract/jobs";
import { cronTasks } from "../../functions/cron/scheduled";
import { mirrorCronTask } from "../../functions/mirror/jobs";
import { markFailed, markPublished } from "../../functions/mirror/queries";
import { servicesOf } from "../helpers";
import { currentVersion, envWith, newBucket } from "./helpers";

async function tick(bindings: Env, now = new Date()): Promise<Job[]> {
  const sent: Job[] = [];
  const svc = servicesOf(bindings);
  svc.queue = { send: async (job) => void sent.push(job), sendAll: async (jobs) => void sent.push(...jobs), dispatch: async (job) => void sent.push(job) };
  await mirrorCronTask.run(svc, now);
  return sent;
}

describe("the mirror's cron task", () => {
  it("is registered with the cron", () => {
    expect(cronTasks).toContain(mirrorCronTask);
  });

  it("does nothing without a target", async () => {
    expect(await tick(env)).toEqual([]);
  });

  it("asks for a publish when a target is behind, none while it is current, an hourly one when it is stale, none while it backs off", async () => {
    const bucket = await newBucket();
    const bindings = envWith(env, bucket.settings);
    const version = await currentVersion(env.DB);
    const now = new Date();
    expect(await tick(bindings, now)).toEqual([{ type: "mirror.publish", version, reason: "change" }]);

    await markPublished(env.DB, "s3", { version, at: now.toISOString(), detail: {} });
    expect(await tick(bindings, now)).toEqual([]);
    expect(await tick(bindings, new Date(now.getTime() + 61 * 60_000))).toEqual([{ type: "mirror.publish", version, reason: "hourly" }]);

    await markPublished(env.DB, "s3", { version: version - 1, at: now.toISOString(), detail: {} });
    await env.DB.prepare("UPDATE mirror_targets SET last_attempt_at = ?1 WHERE target = 's3'").bind(now.toISOString()).run();
    await markFailed(env.DB, "s3", "503 SlowDown");
    await markFailed(env.DB, "s3", "503 SlowDown");
    expect(await tick(bindings, new Date(now.getTime() + 60_000))).toEqual([]);
    expect(await tick(bindings, new Date(now.getTime() + 2 * 60_000))).toEqual([{ type: "mirror.publish", version, reason: "change" }]);
  });
});
