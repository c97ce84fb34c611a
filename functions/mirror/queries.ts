// Storage of the mirror (migrations/0013_mirror.sql): each target's publishing state and lease.
// Small functions taking the binding first.
import type { TargetState } from "./schedule.pure";

interface TargetRow {
  target: string;
  published_version: number | null;
  published_at: string | null;
  last_attempt_at: string | null;
  failures: number;
  last_error: string | null;
  lease_until: string | null;
  detail: string | null;
}

export type TargetStateWithDetail = TargetState & { detail: Record<string, unknown> | null };

const toState = (r: TargetRow): TargetStateWithDetail => ({
  target: r.target,
  publishedVersion: r.published_version,
  publishedAt: r.published_at,
  lastAttemptAt: r.last_attempt_at,
  failures: r.failures,
  lastError: r.last_error,
  leaseUntil: r.lease_until,
  detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
});

export async function loadTargetStates(db: D1Database): Promise<Map<string, TargetStateWithDetail>> {
  const { results } = await db.prepare("SELECT * FROM mirror_targets ORDER BY target").all<TargetRow>();
  return new Map(results.map((r) => [r.target, toState(r)]));
}

/**
 * Takes the target for one publish until `until`, unless another publish holds it: one
 * conditional write, so two at once cannot both win. Records the attempt.
 */
export async function claimTarget(db: D1Database, target: string, now: string, until: string): Promise<boolean> {
  const [, claimed] = await db.batch([
    db.prepare("INSERT INTO mirror_targets (target) VALUES (?1) ON CONFLICT (target) DO NOTHING").bind(target),
    db
      .prepare("UPDATE mirror_targets SET lease_until = ?2, last_attempt_at = ?3 WHERE target = ?1 AND (lease_until IS NULL OR lease_until <= ?3)")
      .bind(target, until, now),
  ]);
  return (claimed?.meta.changes ?? 0) > 0;
}

export async function markPublished(db: D1Database, target: string, p: { version: number; at: string; detail: Record<string, unknown> }): Promise<void> {
  await db
    .prepare(
      `INSERT INTO mirror_targets (target, published_version, published_at, detail) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (target) DO UPDATE SET published_version = excluded.published_version, published_at = excluded.published_at,
         failures = 0, last_error = NULL, lease_until = NULL, detail = excluded.detail`,
    )
    .bind(target, p.version, p.at, JSON.stringify(p.detail))
    .run();
}

export async function markFailed(db: D1Database, target: string, error: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO mirror_targets (target, failures, last_error) VALUES (?1, 1, ?2)
       ON CONFLICT (target) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error, lease_until = NULL`,
    )
    .bind(target, error.slice(0, 1000))
    .run();
}

/** A publish that sent only a share of its change: the target is free, its version unchanged. */
export async function releaseTarget(db: D1Database, target: string, detail: Record<string, unknown>): Promise<void> {
  await db.prepare("UPDATE mirror_targets SET lease_until = NULL, failures = 0, last_error = NULL, detail = ?2 WHERE target = ?1").bind(target, JSON.stringify(detail)).run();
}
