// Every SQL statement of the assurance watch (migrations/0016_assurance_watch.sql): check
// history, drift rows, secrets seen, the human-path check, the weekly summary. A few narrow reads
// of other capabilities' tables (alerts, deliveries, reports, social cursors, staff members) live
// here because assurance sits below them: it may not import them, and it only ever reads.

export interface CheckRun {
  name: string;
  at: string;
  ok: boolean;
  error: string | null;
}

type RunRow = { name: string; at: string; ok: number; error: string | null };
const toRun = (r: RunRow): CheckRun => ({ name: r.name, at: r.at, ok: r.ok === 1, error: r.error });

/**
 * The last `perName` runs of every check (newest first within a name), and whether it ever
 * succeeded. One small index read per check name rather than a scan of the whole history: this
 * runs every minute, and the history holds ~100k rows.
 */
export async function recentRunsByName(db: D1Database, perName: number): Promise<Map<string, { runs: CheckRun[]; everOk: boolean }>> {
  const { results: names } = await db
    .prepare("SELECT name, last_verified_at IS NOT NULL AS ever_ok FROM assurance_checks ORDER BY name LIMIT 500")
    .all<{ name: string; ever_ok: number }>();
  const out = new Map<string, { runs: CheckRun[]; everOk: boolean }>();
  if (names.length === 0) return out;
  const reads = await db.batch<RunRow>(
    names.map((n) => db.prepare("SELECT name, at, ok, error FROM assurance_check_runs WHERE name = ?1 ORDER BY at DESC, id DESC LIMIT ?2").bind(n.name, perName)),
  );
  names.forEach((n, i) => out.set(n.name, { runs: (reads[i]?.results ?? []).map(toRun), everOk: n.ever_ok === 1 }));
  return out;
}

/** Every run in [from, to), oldest first (the weekly summary). */
export async function runsBetween(db: D1Database, from: Date, to: Date): Promise<CheckRun[]> {
  const { results } = await db
    .prepare("SELECT name, at, ok, error FROM assurance_check_runs WHERE at >= ?1 AND at < ?2 ORDER BY at, id")
    .bind(from.toISOString(), to.toISOString())
    .all<RunRow>();
  return results.map(toRun);
}

export async function deleteRunsBefore(db: D1Database, before: Date): Promise<void> {
  await db.prepare("DELETE FROM assurance_check_runs WHERE at < ?1").bind(before.toISOString()).run();
}

// ---- drift rows

export interface DriftRow {
  key: string;
  kind: string;
  subject: string;
  openedAt: string;
  lastSeenAt: string;
  closedAt: string | null;
}
type DriftDbRow = { key: string; kind: string; subject: string; opened_at: string; last_seen_at: string; closed_at: string | null };
const toDrift = (r: DriftDbRow): DriftRow => ({ key: r.key, kind: r.kind, subject: r.subject, openedAt: r.opened_at, lastSeenAt: r.last_seen_at, closedAt: r.closed_at });

export async function listOpenDrifts(db: D1Database): Promise<DriftRow[]> {
  const { results } = await db.prepare("SELECT * FROM assurance_drifts WHERE closed_at IS NULL ORDER BY opened_at, key").all<DriftDbRow>();
  return results.map(toDrift);
}

/** Opens (or reopens) a drift. Returns true only for the call that opened it: that call alone
 * raises the alert, so concurrent or repeated runs page once. */
export async function openDrift(db: D1Database, d: { key: string; kind: string; subject: string }, now: Date): Promise<boolean> {
  const iso = now.toISOString();
  const result = await db
    .prepare(
      `INSERT INTO assurance_drifts (key, kind, subject, opened_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)
       ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, subject = excluded.subject, opened_at = excluded.opened_at,
         last_seen_at = excluded.last_seen_at, closed_at = NULL
       WHERE assurance_drifts.closed_at IS NOT NULL`,
    )
    .bind(d.key, d.kind, d.subject, iso)
    .run();
  if (result.meta.changes === 1) return true;
  await db.prepare("UPDATE assurance_drifts SET last_seen_at = ?2 WHERE key = ?1").bind(d.key, iso).run();
  return false;
}

/** Closes an open drift; true only for the call that closed it. */
export async function closeDrift(db: D1Database, key: string, now: Date): Promise<boolean> {
  const result = await db.prepare("UPDATE assurance_drifts SET closed_at = ?2 WHERE key = ?1 AND closed_at IS NULL").bind(key, now.toISOString()).run();
  return result.meta.changes === 1;
}

// ---- secrets seen

export async function listSecretsSeen(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare("SELECT name FROM assurance_secrets_seen ORDER BY name").all<{ name: string }>();
  return results.map((r) => r.name);
}

export async function noteSecretsSeen(db: D1Database, names: string[], now: Date): Promise<void> {
  if (names.length === 0) return;
  const iso = now.toISOString();
  await db.batch(
    names.map((name) =>
      db
        .prepare("INSERT INTO assurance_secrets_seen (name, first_seen_at, last_seen_at) VALUES (?1, ?2, ?2) ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at")
        .bind(name, iso),
    ),
  );
}

// ---- narrow reads of other capabilities

/** Social pollers' positions (functions/social): when each stream was last polled. */
export async function listCursorPolls(db: D1Database): Promise<Array<{ stream: string; lastPolledAt: string | null; failures: number }>> {
  const { results } = await db
    .prepare("SELECT network || ':' || stream AS stream, last_polled_at, failures FROM social_cursors ORDER BY network, stream")
    .all<{ stream: string; last_polled_at: string | null; failures: number }>();
  return results.map((r) => ({ stream: r.stream, lastPolledAt: r.last_polled_at, failures: r.failures }));
}

/** Reports per intake channel since `since`, with the newest one (drift: unusual silence). */
export async function reportTrafficByChannel(db: D1Database, since: Date): Promise<Array<{ channel: string; count: number; lastAt: string }>> {
  const { results } = await db
    .prepare("SELECT channel, COUNT(*) AS n, MAX(created_at) AS last_at FROM reports WHERE created_at >= ?1 AND synthetic = 0 GROUP BY channel ORDER BY channel")
    .bind(since.toISOString())
    .all<{ channel: string; n: number; last_at: string }>();
  return results.map((r) => ({ channel: r.channel, count: r.n, lastAt: r.last_at }));
}

/** The alert a signal key opened (the fan-out's rows), for the human-path check. */
export async function findSignalAlertState(db: D1Database, key: string): Promise<{ id: string; state: string; acknowledgedAt: string | null; acknowledgedBy: string | null } | null> {
  const row = await db
    .prepare("SELECT id, state, acknowledged_at, acknowledged_by FROM alerts WHERE group_key = ?1 ORDER BY created_at, id LIMIT 1")
    .bind(`signal:${key}`)
    .first<{ id: string; state: string; acknowledged_at: string | null; acknowledged_by: string | null }>();
  return row ? { id: row.id, state: row.state, acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by } : null;
}

/** The channels (contact-method types) an alert's pages went out on, and whether each was sent. */
export async function pageChannelsOf(db: D1Database, alertId: string): Promise<Array<{ channel: string; sent: boolean }>> {
  const { results } = await db
    .prepare("SELECT channel, MAX(CASE WHEN state = 'sent' THEN 1 ELSE 0 END) AS sent FROM deliveries WHERE alert_id = ?1 AND purpose = 'page' GROUP BY channel ORDER BY channel")
    .bind(alertId)
    .all<{ channel: string; sent: number }>();
  return results.map((r) => ({ channel: r.channel, sent: r.sent === 1 }));
}

/** Addresses of the console's admins (the weekly summary's readers). */
export async function adminAddresses(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT email FROM staff_members WHERE role = 'admin' AND disabled_at IS NULL AND email IS NOT NULL ORDER BY email")
    .all<{ email: string }>();
  return results.map((r) => r.email);
}

// ---- human-path check

export interface HumanCheck {
  id: string;
  slot: string;
  startedAt: string;
  dueAt: string;
  state: "waiting" | "acknowledged" | "unacknowledged";
  finishedAt: string | null;
  detail: Record<string, unknown> | null;
}
type HumanRow = { id: string; slot: string; started_at: string; due_at: string; state: HumanCheck["state"]; finished_at: string | null; detail: string | null };
const toHuman = (r: HumanRow): HumanCheck => ({
  id: r.id,
  slot: r.slot,
  startedAt: r.started_at,
  dueAt: r.due_at,
  state: r.state,
  finishedAt: r.finished_at,
  detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
});

/** Claims a slot; true only for the call that started it (one test page per slot). */
export async function claimHumanCheck(db: D1Database, c: { id: string; slot: string; startedAt: Date; dueAt: Date }): Promise<boolean> {
  const result = await db
    .prepare("INSERT INTO assurance_human_checks (id, slot, started_at, due_at, state) VALUES (?1, ?2, ?3, ?4, 'waiting') ON CONFLICT (slot) DO NOTHING")
    .bind(c.id, c.slot, c.startedAt.toISOString(), c.dueAt.toISOString())
    .run();
  return result.meta.changes === 1;
}

export async function listWaitingHumanChecks(db: D1Database): Promise<HumanCheck[]> {
  const { results } = await db.prepare("SELECT * FROM assurance_human_checks WHERE state = 'waiting' ORDER BY started_at").all<HumanRow>();
  return results.map(toHuman);
}

export async function latestHumanCheck(db: D1Database): Promise<HumanCheck | null> {
  const row = await db.prepare("SELECT * FROM assurance_human_checks ORDER BY started_at DESC LIMIT 1").first<HumanRow>();
  return row ? toHuman(row) : null;
}

/** Finishes a waiting check; true only for the call that finished it. */
export async function finishHumanCheck(db: D1Database, id: string, state: "acknowledged" | "unacknowledged", detail: Record<string, unknown>, now: Date): Promise<boolean> {
  const result = await db
    .prepare("UPDATE assurance_human_checks SET state = ?2, finished_at = ?3, detail = ?4 WHERE id = ?1 AND state = 'waiting'")
    .bind(id, state, now.toISOString(), JSON.stringify(detail))
    .run();
  return result.meta.changes === 1;
}

// ---- weekly summary

/** Claims a week's summary; true only for the call that claimed it. */
export async function claimSummary(db: D1Database, weekStart: string, recipients: number, now: Date): Promise<boolean> {
  const result = await db
    .prepare("INSERT INTO assurance_summaries (week_start, sent_at, recipients) VALUES (?1, ?2, ?3) ON CONFLICT (week_start) DO NOTHING")
    .bind(weekStart, now.toISOString(), recipients)
    .run();
  return result.meta.changes === 1;
}

export async function releaseSummary(db: D1Database, weekStart: string): Promise<void> {
  await db.prepare("DELETE FROM assurance_summaries WHERE week_start = ?1").bind(weekStart).run();
}
