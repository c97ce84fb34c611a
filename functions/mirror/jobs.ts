// The mirror in the Worker's event loops: the `mirror.publish` job (sent after every staff write,
// by the cron and by staff) and the cron task that keeps every target current and refreshed
// hourly. Registered with one line each in functions/queue/consumer.ts and functions/cron/.
import type { CronTask, JobContext, JobHandlers } from "../platform/tasks";
import type { StatusEventConsumer } from "../status/events";
import { readVersion } from "../status/queries";
import { publishMirror, publishNewerVersion, workerMirrorSettings } from "./publisher";
import { loadTargetStates } from "./queries";
import { QUEUE_ATTEMPTS, syncDue, type MirrorPublishJob } from "./schedule.pure";
import { targetsOf } from "./settings";

async function handlePublish(job: MirrorPublishJob, ctx: JobContext): Promise<void> {
  const run = await publishMirror(ctx.svc, job, ctx.now);
  const failed = run.results.filter((r) => !r.ok);
  // A provider that is down or busy: the queue tries again in seconds, a few times; after that
  // (or for a refusal a retry cannot cure, such as a wrong key) the cron's backoff takes over,
  // so a long outage never ends in the dead-letter queue.
  // A change too large for one publish continues in the next, at once.
  if (run.incomplete.length > 0) await ctx.svc.queue.send(job);
  await publishNewerVersion(ctx.svc, run);
  const retry = failed.some((r) => r.retryable) && ctx.attempts < QUEUE_ATTEMPTS;
  if (retry) throw new Error(`mirror publish of version ${job.version} failed: ${failed.map((r) => r.error).join("; ")}`);
  // Another publish holds a target: it publishes this version when it lets go
  // (publishNewerVersion). Run inline (attempts 0), the queued copy of this job is the safety
  // net should that publish die; from the queue, retrying is.
  if (run.busy.length > 0 && ctx.attempts > 0 && ctx.attempts < QUEUE_ATTEMPTS + 3) throw new Error(`mirror publish of version ${job.version} waits for a publish in progress (${run.busy.join(", ")})`);
}

export const mirrorJobHandlers: JobHandlers = { "mirror.publish": handlePublish };

/**
 * Every published status change (a staff write from the API, the console or mail, a monitor's
 * draft, the maintenance clock, an imported break-glass post): publish the version it made,
 * within seconds. If this is lost, the cron sees the version is behind within a minute.
 */
export const mirrorStatusConsumer: StatusEventConsumer = {
  name: "mirror",
  async handle(_event, { svc }) {
    if (targetsOf(workerMirrorSettings(svc.channelSettings)).length === 0) return;
    const version = Number(await readVersion(svc.db));
    await svc.queue.dispatch({ type: "mirror.publish", version, reason: "change" });
  },
};

/**
 * Every minute: a target that is behind the status version (a change whose job was lost, the
 * maintenance clock), never published, or not refreshed for an hour gets a publish job, after
 * a failure only once its backoff is over.
 */
export const mirrorCronTask: CronTask = {
  name: "mirror",
  async run(svc, now) {
    const targets = targetsOf(workerMirrorSettings(svc.channelSettings));
    if (targets.length === 0) return;
    const [version, states] = await Promise.all([readVersion(svc.db).then(Number), loadTargetStates(svc.db)]);
    const due = targets.map((t) => syncDue(states.get(t.name), version, now)).filter((r) => r !== null);
    if (due.length === 0) return;
    await svc.queue.send({ type: "mirror.publish", version, reason: due.every((r) => r === "refresh") ? "hourly" : "change" });
  },
};
