// Drift detection, each minute: read what the checks, secrets, pollers and report traffic say,
// open a drift row per broken thing and raise ONE signal for it (the fan-out's alerts: routed,
// held behind a busy policy, capped per hour), resolve it when it recovers. The row is the
// dedupe: only the run that opens it raises, so a flapping or repeated run never pages twice.
import type { Job } from "../../../contract/jobs";
import type { Services } from "../../platform/services";
import { findDrift, SECRET_NAME, type DriftFinding } from "./drift.pure";
import { closeDrift, listCursorPolls, listOpenDrifts, listSecretsSeen, noteSecretsSeen, openDrift, recentRunsByName, reportTrafficByChannel } from "./queries";
import { readWatchSettings, type WatchSettings } from "./settings";

const SILENCE_EVERY_MINUTES = 15;

export type DriftServices = Pick<Services, "db" | "queue" | "channelSettings">;

/** Names of the secrets configured now (values are never read beyond "set or not"). */
export function configuredSecrets(env: Env): string[] {
  return Object.entries(env as unknown as Record<string, unknown>)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === "string" && value.trim() !== "")
    .map(([name]) => name)
    .sort();
}

function raisedJob(f: DriftFinding): Job {
  return { type: "signal.raised", source: "assurance", sourceId: f.kind, key: f.key, subject: f.subject, text: f.text, componentId: null, urgency: "high", ...(f.brokenChannel ? { avoidChannels: [f.brokenChannel] } : {}) };
}

export async function detectDrift(svc: DriftServices, now: Date, settings: WatchSettings = readWatchSettings(svc.channelSettings)): Promise<{ opened: string[]; closed: string[] }> {
  const db = svc.db;
  const secretsNow = configuredSecrets(svc.channelSettings);
  // Traffic is a 28-day count over reports: every quarter hour is often enough for "silent for
  // hours". Open silence drifts are left alone by the runs that do not look.
  const looksAtSilence = now.getUTCMinutes() % SILENCE_EVERY_MINUTES === 0;
  const [checks, secretsSeen, cursors, traffic, open] = await Promise.all([
    recentRunsByName(db, Math.max(2, settings.drift.failuresInARow)),
    listSecretsSeen(db),
    listCursorPolls(db),
    looksAtSilence ? reportTrafficByChannel(db, new Date(now.getTime() - settings.drift.silenceLookbackDays * 86_400_000)) : Promise.resolve([]),
    listOpenDrifts(db),
  ]);
  await noteSecretsSeen(db, secretsNow, now);
  const findings = findDrift({ now: now.getTime(), settings: settings.drift, checks, secretsNow, secretsSeen, cursors, traffic });
  const opened: string[] = [];
  const closed: string[] = [];
  for (const f of findings) {
    if (!(await openDrift(db, f, now))) continue;
    try {
      // dispatch runs the fan-out in this invocation too: a broken queue does not hold the alert.
      await svc.queue.dispatch(raisedJob(f));
      opened.push(f.key);
    } catch (err) {
      // Not raised: closed again, so the next run opens and raises it.
      await closeDrift(db, f.key, now);
      throw err;
    }
  }
  const current = new Set(findings.map((f) => f.key));
  for (const d of open) {
    if (current.has(d.key) || (d.kind === "silence" && !looksAtSilence) || !(await closeDrift(db, d.key, now))) continue;
    await svc.queue.dispatch({ type: "signal.recovered", source: "assurance", sourceId: d.kind, key: d.key });
    closed.push(d.key);
  }
  return { opened, closed };
}
