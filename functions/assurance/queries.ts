// Storage of assurance checks (migrations/0001_foundation.sql): when each path last worked and
// its last error. Small functions taking the binding first.

export interface AssuranceCheck {
  name: string;
  lastVerifiedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  detail: unknown;
}

export function checkSuccessStatement(db: D1Database, name: string, now: Date, detail?: Record<string, unknown>): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO assurance_checks (name, last_verified_at, detail) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET last_verified_at = excluded.last_verified_at, detail = excluded.detail`,
    )
    .bind(name, now.toISOString(), detail ? JSON.stringify(detail) : null);
}

export async function recordCheckSuccess(db: D1Database, name: string, now: Date, detail?: Record<string, unknown>): Promise<void> {
  await checkSuccessStatement(db, name, now, detail).run();
}

export function checkFailureStatement(db: D1Database, name: string, now: Date, error: unknown): D1PreparedStatement {
  const message = error instanceof Error ? error.message : String(error);
  return db
    .prepare(
      `INSERT INTO assurance_checks (name, last_error, last_error_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
    )
    .bind(name, message.slice(0, 1000), now.toISOString());
}

export async function recordCheckFailure(db: D1Database, name: string, now: Date, error: unknown): Promise<void> {
  await checkFailureStatement(db, name, now, error).run();
}

/** Several checks as they are now (for a batch that reads them before writing). */
export function checksStatement(db: D1Database, names: string[]): D1PreparedStatement {
  return db
    .prepare("SELECT name, last_verified_at, last_error, last_error_at FROM assurance_checks WHERE name IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(names));
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

export async function findCheck(db: D1Database, name: string): Promise<AssuranceCheck | null> {
  const r = await db
    .prepare("SELECT name, last_verified_at, last_error, last_error_at, detail FROM assurance_checks WHERE name = ?1")
    .bind(name)
    .first<{ name: string; last_verified_at: string | null; last_error: string | null; last_error_at: string | null; detail: string | null }>();
  return r ? { name: r.name, lastVerifiedAt: r.last_verified_at, lastError: r.last_error, lastErrorAt: r.last_error_at, detail: r.detail ? JSON.parse(r.detail) : null } : null;
}

/** Messages that exhausted their retries, kept for staff (and flagged as the "queue" check). */
export async function recordDeadLetter(db: D1Database, m: { messageId: string; body: unknown; attempts: number; now: Date }): Promise<void> {
  await db
    .prepare("INSERT INTO dead_letters (message_id, body, attempts, received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (message_id) DO NOTHING")
    .bind(m.messageId, JSON.stringify(m.body), m.attempts, m.now.toISOString())
    .run();
}
