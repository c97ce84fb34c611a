// The paging path proves itself: every intake path, the cron, the queue and each on-call
// channel record here when they last worked and their last error. Shown by
// GET /api/admin/assurance and watched by the doctor.

export async function recordCheckSuccess(db: D1Database, name: string, now: Date, detail?: Record<string, unknown>): Promise<void> {
  await db
    .prepare(
      `INSERT INTO assurance_checks (name, last_verified_at, detail) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET last_verified_at = excluded.last_verified_at, detail = excluded.detail`,
    )
    .bind(name, now.toISOString(), detail ? JSON.stringify(detail) : null)
    .run();
}

export async function recordCheckFailure(db: D1Database, name: string, now: Date, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db
    .prepare(
      `INSERT INTO assurance_checks (name, last_error, last_error_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
    )
    .bind(name, message.slice(0, 1000), now.toISOString())
    .run();
}

export interface AssuranceCheck {
  name: string;
  lastVerifiedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  detail: unknown;
}

export async function listChecks(db: D1Database): Promise<AssuranceCheck[]> {
  const { results } = await db
    .prepare("SELECT name, last_verified_at, last_error, last_error_at, detail FROM assurance_checks ORDER BY name")
    .all<{ name: string; last_verified_at: string | null; last_error: string | null; last_error_at: string | null; detail: string | null }>();
  return results.map((r) => ({
    name: r.name,
    lastVerifiedAt: r.last_verified_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    detail: r.detail ? JSON.parse(r.detail) : null,
  }));
}
