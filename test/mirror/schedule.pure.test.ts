// When the mirror publishes (functions/mirror/schedule.pure.ts): the cron's due check with its
// backoff, and whether a job publishes to a target (deduplicated by status version).
import { describe, expect, it } from "vitest";
import { jobPublishes, retryDelayMs, syncDue, type TargetState } from "../../functions/mirror/schedule.pure";

const now = new Date("2026-12-01T12:00:00.000Z");
const ago = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();
const state = (over: Partial<TargetState> = {}): TargetState => ({
  target: "s3",
  publishedVersion: 10,
  publishedAt: ago(5),
  lastAttemptAt: ago(5),
  failures: 0,
  lastError: null,
  leaseUntil: null,
  ...over,
});

describe("syncDue (the cron)", () => {
  it.each<[string, TargetState | undefined, number, string | null]>([
    ["a target never published", undefined, 10, "never"],
    ["a target behind the status version", state(), 11, "behind"],
    ["a current target published 5 minutes ago", state(), 10, null],
    ["a current target not refreshed for an hour", state({ publishedAt: ago(60), lastAttemptAt: ago(60) }), 10, "refresh"],
    ["behind, but failed once a moment ago (backoff 1 min)", state({ failures: 1, lastAttemptAt: ago(0.5) }), 11, null],
    ["behind, failed once over a minute ago", state({ failures: 1, lastAttemptAt: ago(1.5) }), 11, "behind"],
    ["behind, failed 4 times, 5 minutes ago (backoff 8 min)", state({ failures: 4, lastAttemptAt: ago(5) }), 11, null],
    ["behind, failed 20 times, 61 minutes ago (backoff capped at 60)", state({ failures: 20, lastAttemptAt: ago(61) }), 11, "behind"],
    ["never published and failing, within its backoff", state({ publishedAt: null, publishedVersion: null, failures: 2, lastAttemptAt: ago(1) }), 10, null],
  ])("%s: %s", (_name, s, version, due) => {
    expect(syncDue(s, version, now)).toBe(due);
  });

  it.each([
    [1, 1],
    [2, 2],
    [3, 4],
    [6, 32],
    [7, 60],
    [100, 60],
  ])("after %i failures the cron waits %i minutes", (failures, minutes) => {
    expect(retryDelayMs(failures)).toBe(minutes * 60_000);
  });
});

describe("jobPublishes (the job, deduplicated by version)", () => {
  it.each<[string, TargetState | undefined, number, "change" | "hourly" | "manual", boolean]>([
    ["a change to a target never published", undefined, 3, "change", true],
    ["a change the target is behind", state(), 11, "change", true],
    ["a repeated delivery of a version the target holds", state(), 10, "change", false],
    ["an older version than the target holds", state(), 9, "change", false],
    ["the hourly refresh of a target refreshed 5 minutes ago", state(), 10, "hourly", false],
    ["the hourly refresh of a target refreshed an hour ago", state({ publishedAt: ago(60) }), 10, "hourly", true],
    ["staff asking, whatever the target holds", state(), 10, "manual", true],
  ])("%s: %s", (_name, s, version, reason, publishes) => {
    expect(jobPublishes(s, { type: "mirror.publish", version, reason }, now)).toBe(publishes);
  });
});
