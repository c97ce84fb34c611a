// The path canary's run: every ASSURANCE_CANARY_MINUTES, one synthetic report through each
// intake path (paths.ts), each marked by its own probe so intake stores it as synthetic, and
// one probe for the run's channel checks, which the first synthetic report to reach the fan-out
// claims (alerts/synthetic.ts). A path whose driver fails, or whose report has not reached the
// fan-out when its probe expires, is recorded as failed with the reason.
import { deleteProbes, insertProbes, lastCanaryRunAt, listUnansweredProbes, recordCheckFailure, recordCheckNote } from "../assurance/queries";
import type { Services } from "../platform/services";
import { hex, pathDrivers, type SelfWorker } from "./paths";
import { checkProviderWebhooks, type WebhookRoundTrip } from "./webhooks";
import { CANARY_PATHS, PROBE_LIFETIME_MINUTES, readCanarySettings, type CanaryPath } from "./settings";

export type CanaryServices = Pick<Services, "db" | "queue" | "config" | "channelSettings">;

export interface CanaryRun {
  runId: string | null;
  driven: Array<{ path: CanaryPath; outcome: "sent" | "failed" | "unavailable"; detail: string }>;
  /** The providers' webhooks (webhooks.ts): Twilio's numbers, X's CRC. */
  webhooks: WebhookRoundTrip[];
}

/** Whether a run is due: none yet, or the last started at least `everyMinutes` ago (a minute's
 * slack, since the cron ticks on the minute and the run takes a few seconds). */
export function canaryDue(lastRunAt: string | null, now: Date, everyMinutes: number): boolean {
  if (!lastRunAt) return true;
  return now.getTime() - Date.parse(lastRunAt) >= everyMinutes * 60_000 - 30_000;
}

export async function runPathCanary(svc: CanaryServices, worker: SelfWorker, now: Date, opts: { force?: boolean } = {}): Promise<CanaryRun> {
  const env = svc.channelSettings;
  const settings = readCanarySettings(env);
  await recordLostProbes(svc, now);
  if (!opts.force && !canaryDue(await lastCanaryRunAt(svc.db), now, settings.everyMinutes)) return { runId: null, driven: [], webhooks: [] };

  const runId = crypto.randomUUID();
  const iso = now.toISOString();
  const expiresAt = new Date(now.getTime() + PROBE_LIFETIME_MINUTES * 60_000).toISOString();
  const available = CANARY_PATHS.map((path) => ({ path, reason: pathDrivers[path].unavailable(env, svc.config) }));
  const probes = available
    .filter((p) => p.reason === null)
    .map(({ path }) => {
      const id = hex(16);
      return { id, runId, path, channelMessageId: path === "phone" ? `call:CA${id}` : null, createdAt: iso, expiresAt };
    });
  // The run's channel checks, claimed by whichever synthetic report reaches the fan-out first.
  await insertProbes(svc.db, [...probes, { id: hex(16), runId, path: "channels", channelMessageId: null, createdAt: iso, expiresAt }]);

  const driven: CanaryRun["driven"] = [];
  for (const { path, reason } of available) {
    if (reason === null) continue;
    await recordCheckNote(svc.db, `path:${path}`, { check: "not driven", unavailable: reason });
    driven.push({ path, outcome: "unavailable", detail: reason });
  }
  // One path at a time: each is a handful of D1 writes, and a failure names its own path.
  for (const probe of probes) {
    const path = probe.path as CanaryPath;
    try {
      const how = await pathDrivers[path].drive({ svc, env, config: svc.config, settings, worker, probeId: probe.id, callSid: `CA${probe.id}`, now });
      driven.push({ path, outcome: "sent", detail: how });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await recordCheckFailure(svc.db, `path:${path}`, now, `the synthetic report was refused: ${message}`);
      driven.push({ path, outcome: "failed", detail: message });
    }
  }
  // The providers' side: do they still send their webhooks here? One failing provider never
  // stops the others, nor the paths above.
  let webhooks: WebhookRoundTrip[] = [];
  try {
    webhooks = await checkProviderWebhooks(svc, now);
  } catch (err) {
    console.error("canary: the providers' webhooks could not be checked", err);
  }
  return { runId, driven, webhooks };
}

/** Probes whose report never reached the fan-out before they expired: their path failed. */
async function recordLostProbes(svc: CanaryServices, now: Date): Promise<void> {
  const lost = await listUnansweredProbes(svc.db, now.toISOString());
  for (const p of lost) {
    const why = p.reportId
      ? `the synthetic report of ${p.createdAt} was stored but did not reach the fan-out within ${PROBE_LIFETIME_MINUTES} minutes (queue or grouping)`
      : `the synthetic report of ${p.createdAt} was not stored within ${PROBE_LIFETIME_MINUTES} minutes`;
    await recordCheckFailure(svc.db, `path:${p.path}`, now, why);
  }
  await deleteProbes(svc.db, lost.map((p) => p.id));
}
