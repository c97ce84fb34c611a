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

// ---- the path canary's probes (migrations/0014_assurance.sql) -------------------------------
// Kept here, below reports: intake marks a synthetic report by its probe, and reports may
// depend on assurance but never on the canary (which sits above every intake path).

/** The marker a synthetic report carries in its text: "canary:" and the probe's 32 hex digits. */
export const CANARY_MARKER = /\bcanary:([0-9a-f]{32})\b/;

export interface CanaryProbe {
  id: string;
  runId: string;
  path: string;
  channelMessageId: string | null;
  reportId: string | null;
  createdAt: string;
  expiresAt: string;
  verifiedAt: string | null;
}

interface ProbeRow {
  id: string;
  run_id: string;
  path: string;
  channel_message_id: string | null;
  report_id: string | null;
  created_at: string;
  expires_at: string;
  verified_at: string | null;
}

export function rowToProbe(row: Record<string, unknown> | null): CanaryProbe | null {
  if (!row) return null;
  const r = row as unknown as ProbeRow;
  return { id: r.id, runId: r.run_id, path: r.path, channelMessageId: r.channel_message_id, reportId: r.report_id, createdAt: r.created_at, expiresAt: r.expires_at, verifiedAt: r.verified_at };
}

export async function insertProbes(db: D1Database, probes: Array<Pick<CanaryProbe, "id" | "runId" | "path" | "channelMessageId" | "createdAt" | "expiresAt">>): Promise<void> {
  if (probes.length === 0) return;
  await db.batch(
    probes.map((p) =>
      db
        .prepare("INSERT INTO canary_probes (id, run_id, path, channel_message_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(p.id, p.runId, p.path, p.channelMessageId, p.createdAt, p.expiresAt),
    ),
  );
}

/**
 * The unexpired probe a new report answers, not yet used by another report: by the marker in
 * its text, or by its channel message id. Whoever does not know a live probe's id (32 random
 * hex digits, minutes long) cannot make a report synthetic.
 */
export function openProbeStatement(db: D1Database, marker: string | null, channelMessageId: string | null, nowIso: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT * FROM canary_probes WHERE report_id IS NULL AND expires_at > ?3
         AND ((?1 IS NOT NULL AND id = ?1) OR (?2 IS NOT NULL AND channel_message_id = ?2)) LIMIT 1`,
    )
    .bind(marker, channelMessageId, nowIso);
}

/** Binds the probe to its report, in intake's write batch (once: a second report stays real). */
export function claimProbeStatement(db: D1Database, probeId: string, reportId: string): D1PreparedStatement {
  return db.prepare("UPDATE canary_probes SET report_id = ?2 WHERE id = ?1 AND report_id IS NULL").bind(probeId, reportId);
}

export async function findProbeByReport(db: D1Database, reportId: string): Promise<CanaryProbe | null> {
  return rowToProbe(await db.prepare("SELECT * FROM canary_probes WHERE report_id = ?1").bind(reportId).first());
}

/** The fan-out reached its send step for this probe's report; false when it had already. */
export async function markProbeVerified(db: D1Database, probeId: string, now: Date): Promise<boolean> {
  const r = await db.prepare("UPDATE canary_probes SET verified_at = ?2 WHERE id = ?1 AND verified_at IS NULL").bind(probeId, now.toISOString()).run();
  return (r.meta.changes ?? 0) > 0;
}

/** Claims the run's channel checks (one per run, whichever synthetic report gets there first). */
export async function claimRunChannelChecks(db: D1Database, runId: string, now: Date): Promise<boolean> {
  const r = await db
    .prepare("UPDATE canary_probes SET verified_at = ?2 WHERE run_id = ?1 AND path = 'channels' AND verified_at IS NULL")
    .bind(runId, now.toISOString())
    .run();
  return (r.meta.changes ?? 0) > 0;
}

export async function listRunProbes(db: D1Database, runId: string): Promise<CanaryProbe[]> {
  const { results } = await db.prepare("SELECT * FROM canary_probes WHERE run_id = ?1 ORDER BY path").bind(runId).all();
  return results.map((r) => rowToProbe(r)!);
}

/** The newest canary run's start, to know when the next is due. */
export async function lastCanaryRunAt(db: D1Database): Promise<string | null> {
  const row = await db.prepare("SELECT MAX(created_at) AS at FROM canary_probes").first<{ at: string | null }>();
  return row?.at ?? null;
}

/** Probes of runs long past whose report never arrived: recorded failures, then forgotten. */
export async function listUnansweredProbes(db: D1Database, before: string): Promise<CanaryProbe[]> {
  const { results } = await db
    .prepare("SELECT * FROM canary_probes WHERE verified_at IS NULL AND path != 'channels' AND expires_at <= ?1 ORDER BY created_at LIMIT 100")
    .bind(before)
    .all();
  return results.map((r) => rowToProbe(r)!);
}

export async function deleteProbes(db: D1Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.prepare("DELETE FROM canary_probes WHERE id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(ids)).run();
}

/** What a check is, without claiming it worked (a channel that has no silent check says so). */
export async function recordCheckNote(db: D1Database, name: string, detail: Record<string, unknown>): Promise<void> {
  await db
    .prepare("INSERT INTO assurance_checks (name, detail) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET detail = excluded.detail")
    .bind(name, JSON.stringify(detail))
    .run();
}
