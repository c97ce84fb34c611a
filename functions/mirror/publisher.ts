// One publish run of the Worker: which targets it publishes (schedule.pure.ts), a lease on each,
// break-glass posts imported first, one snapshot rendered for all, then each target published
// on its own (one failing target never stops the other) and recorded in D1 and in assurance
// ("mirror:s3", "mirror:github").
import type { Services } from "../platform/services";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import { forgetVersion } from "../status/cache";
import { readVersion } from "../status/queries";
import { mergeEntries, parseBreakGlassLog, type BreakGlassLog } from "./break-glass.pure";
import { importBreakGlass, type ImportResult } from "./import";
import { BREAK_GLASS_KEY } from "./paths.pure";
import { decode, publishSnapshot, type PublishOutcome } from "./publish";
import { claimTarget, loadTargetStates, markFailed, markPublished, releaseTarget } from "./queries";
import { jobPublishes, LEASE_MS, type MirrorPublishJob } from "./schedule.pure";
import { mirrorSettings, settingsProblems, targetsOf, type MirrorSettings } from "./settings";
import { renderSnapshot } from "./snapshot";
import { TargetError, type MirrorTarget } from "./targets/types";

export interface TargetResult {
  target: string;
  ok: boolean;
  error?: string;
  /** Worth trying again soon (the provider was down or busy), rather than after a fix. */
  retryable?: boolean;
  outcome?: PublishOutcome;
  ms: number;
}

export interface PublishRun {
  /** The status version published (read after break-glass posts were imported). */
  version: number | null;
  results: TargetResult[];
  /** Targets that already held this version. */
  skipped: string[];
  /** Targets another publish holds right now. */
  busy: string[];
  /** Targets that got a share of a change too large for one publish: another must follow. */
  incomplete: string[];
  imported: ImportResult | null;
  snapshot: { files: number; bytes: number; ms: number; missing: string[] } | null;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads the break-glass log of every target (one unreachable target does not stop the rest). */
async function readBreakGlassLogs(targets: readonly MirrorTarget[]): Promise<{ logs: BreakGlassLog[]; problems: string[] }> {
  const logs: BreakGlassLog[] = [];
  const problems: string[] = [];
  await Promise.all(
    targets.map(async (t) => {
      try {
        const parsed = parseBreakGlassLog(decode(await t.read(BREAK_GLASS_KEY)));
        logs.push(parsed.log);
        problems.push(...parsed.problems.map((p) => `${t.name}: ${p}`));
      } catch (err) {
        problems.push(`${t.name}: the break-glass log could not be read: ${messageOf(err)}`);
      }
    }),
  );
  return { logs, problems };
}

/** The Worker's own mirror settings (its vars and secrets). */
export function workerMirrorSettings(env: Env): MirrorSettings {
  return mirrorSettings(env as unknown as Record<string, unknown>);
}

/** `svc.queue` carries the status.published events of imported break-glass posts. */
export async function publishMirror(
  svc: Pick<Services, "db" | "queue" | "channelSettings">,
  job: MirrorPublishJob,
  now: Date,
  settings: MirrorSettings = workerMirrorSettings(svc.channelSettings),
): Promise<PublishRun> {
  const env = svc.channelSettings;
  const db = svc.db;
  const targets = targetsOf(settings);
  const run: PublishRun = { version: null, results: [], skipped: [], busy: [], incomplete: [], imported: null, snapshot: null };
  if (targets.length === 0) return run;

  const states = await loadTargetStates(db);
  const nowIso = now.toISOString();
  const claimed: MirrorTarget[] = [];
  for (const target of targets) {
    if (!jobPublishes(states.get(target.name), job, now)) run.skipped.push(target.name);
    else if (await claimTarget(db, target.name, nowIso, new Date(now.getTime() + LEASE_MS).toISOString())) claimed.push(target);
    else run.busy.push(target.name);
  }
  if (claimed.length === 0) return run;

  const failAll = async (error: string) => {
    for (const target of claimed) {
      await markFailed(db, target.name, error);
      await recordCheckFailure(db, `mirror:${target.name}`, now, error);
      run.results.push({ target: target.name, ok: false, error, retryable: true, ms: 0 });
    }
    return run;
  };
  const problems = settingsProblems(settings);
  if (!settings.mirrorUrl) problems.push("The mirror has no public address: set MIRROR_URL (or site.config.ts mirrorUrl).");
  if (problems.length > 0) return failAll(problems.join(" "));

  const started = Date.now();
  let snapshot;
  try {
    const breakGlass = await readBreakGlassLogs(targets);
    const entries = mergeEntries(breakGlass.logs);
    if (entries.length > 0 || breakGlass.problems.length > 0) {
      run.imported = await importBreakGlass(svc, entries, now);
      run.imported.problems.unshift(...breakGlass.problems);
      if (run.imported.imported.length > 0) forgetVersion(db);
      if (run.imported.problems.length > 0) {
        console.error(`mirror: break-glass posts not imported: ${run.imported.problems.join(" | ")}`);
        await recordCheckFailure(db, "mirror:break-glass", now, run.imported.problems.join(" | "));
      }
    }
    run.version = Number(await readVersion(db));
    snapshot = await renderSnapshot(env, { liveUrl: settings.liveUrl, mirrorUrl: settings.mirrorUrl, now });
  } catch (err) {
    console.error("mirror: the snapshot could not be rendered", err);
    return failAll(`The snapshot could not be rendered: ${messageOf(err)}`);
  }
  run.snapshot = {
    files: snapshot.files.length,
    bytes: snapshot.files.reduce((n, f) => n + f.body.byteLength, 0),
    ms: Date.now() - started,
    missing: snapshot.missing,
  };

  const meta = { syncedAt: snapshot.syncedAt, version: run.version, liveUrl: settings.liveUrl, mirrorUrl: settings.mirrorUrl };
  run.results = await Promise.all(
    claimed.map(async (target): Promise<TargetResult> => {
      const t0 = Date.now();
      try {
        const outcome = await publishSnapshot(target, snapshot.files, meta, settings.uploadsPerPublish);
        const ms = Date.now() - t0;
        const detail = { version: run.version, files: outcome.files, uploaded: outcome.uploaded.length, removed: outcome.removed.length, bytes: outcome.bytes, requests: outcome.requests, ms, reason: job.reason, complete: outcome.complete };
        if (!outcome.complete) {
          // A share went; the target is not at this version yet. The next publish sends the rest.
          run.incomplete.push(target.name);
          await releaseTarget(db, target.name, detail);
          return { target: target.name, ok: true, outcome, ms };
        }
        await markPublished(db, target.name, { version: run.version!, at: nowIso, detail });
        await recordCheckSuccess(db, `mirror:${target.name}`, now, detail);
        return { target: target.name, ok: true, outcome, ms };
      } catch (err) {
        const error = `${target.description}: ${messageOf(err)}`;
        console.error(`mirror: publishing to ${error}`);
        await markFailed(db, target.name, error);
        await recordCheckFailure(db, `mirror:${target.name}`, now, error);
        return { target: target.name, ok: false, error, retryable: err instanceof TargetError ? err.retryable : true, ms: Date.now() - t0 };
      }
    }),
  );
  return run;
}

/**
 * After a run that published: a status write made while it held the lease found its targets
 * busy, and that write's own job would only try again when the queue's copy comes (30 s or
 * more later). The lease holder sees the newer version as soon as it lets go, so it sends it on
 * at once, through the same dispatch a write uses. A write after the release claims the target
 * itself: the version is read after markPublished freed the lease, so none falls between.
 */
export async function publishNewerVersion(svc: Pick<Services, "db" | "queue">, run: PublishRun): Promise<void> {
  if (run.version === null || run.incomplete.length > 0 || !run.results.some((r) => r.ok)) return;
  const latest = Number(await readVersion(svc.db));
  if (latest > run.version) await svc.queue.dispatch({ type: "mirror.publish", version: latest, reason: "change" });
}
