// When a target needs publishing: the rules the queue job and the cron share, as pure functions
// of the target's state, the status version and the time.
import type { Job } from "../../contract/jobs";

export type MirrorPublishJob = Extract<Job, { type: "mirror.publish" }>;

/** At least this often every target is published again, changed or not: its home page says when
 * it last heard from the live site, and a target wiped by hand is filled again. */
export const REFRESH_MS = 60 * 60_000;
/** A publish holds its target at most this long (then another may take over). */
export const LEASE_MS = 5 * 60_000;
/** Queue attempts before a failing publish is left to the cron's slower backoff (no dead letter). */
export const QUEUE_ATTEMPTS = 3;

export interface TargetState {
  target: string;
  publishedVersion: number | null;
  publishedAt: string | null;
  lastAttemptAt: string | null;
  failures: number;
  lastError: string | null;
  leaseUntil: string | null;
}

export type DueReason = "never" | "behind" | "refresh";

/** After `failures` failed attempts in a row, the cron waits this long before the next: 1, 2, 4 ... 60 minutes. */
export function retryDelayMs(failures: number): number {
  return Math.min(60, 2 ** Math.max(0, failures - 1)) * 60_000;
}

/**
 * Does the cron need to ask for a publish of this target? Never published, behind the status
 * version, or not refreshed for REFRESH_MS; but after a failure only once its backoff is over.
 */
export function syncDue(state: TargetState | undefined, version: number, now: Date): DueReason | null {
  const reason: DueReason | null = !state?.publishedAt
    ? "never"
    : (state.publishedVersion ?? -1) < version
      ? "behind"
      : now.getTime() - Date.parse(state.publishedAt) >= REFRESH_MS
        ? "refresh"
        : null;
  if (reason === null || !state || state.failures === 0 || !state.lastAttemptAt) return reason;
  return now.getTime() - Date.parse(state.lastAttemptAt) >= retryDelayMs(state.failures) ? reason : null;
}

/**
 * Does this job publish to this target? "manual" always; otherwise when the target has never
 * been published, is behind the job's version, or (for "hourly") is due its refresh. A repeated
 * delivery of a job for a version the target already holds is a no-op.
 */
export function jobPublishes(state: TargetState | undefined, job: MirrorPublishJob, now: Date): boolean {
  if (job.reason === "manual" || !state?.publishedAt) return true;
  if ((state.publishedVersion ?? -1) < job.version) return true;
  return job.reason === "hourly" && now.getTime() - Date.parse(state.publishedAt) >= REFRESH_MS;
}
