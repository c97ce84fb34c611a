// Every SQL statement of the monitors capability (migrations/0012_monitors.sql). Small
// functions taking the binding first; statements that must share a D1 batch are returned as
// prepared statements.
import { versionedDocuments, type StoredDocument } from "../platform/versioned-document";
import { MonitorsConfig } from "./config.pure";
import type { PingKind } from "./heartbeat.pure";
import type { ComponentMove, TransitionPlan, WatchSource } from "./signals.pure";
import type { Level, Observation } from "./state.pure";
import type { WatchState } from "./watch.pure";

// ---------------------------------------------------------------------------------------------
// Configuration

export type StoredMonitorsConfig = StoredDocument<MonitorsConfig>;

const documents = versionedDocuments({ table: "monitor_configs", schema: MonitorsConfig, what: "monitors configuration", lenientNote: "used as stored" });

/**
 * The active configuration (newest version), or null when none was stored. A stored document
 * that today's schema refuses throws, unless `lenient` (the cron: watching with the document as
 * it was accepted beats watching nothing; the error is logged every minute).
 */
export const loadActiveMonitorsConfig = (db: D1Database, options: { lenient?: boolean } = {}): Promise<StoredMonitorsConfig | null> => documents.loadActive(db, options);

export const serializeMonitorsConfig = (config: MonitorsConfig) => documents.serialize(config);

export const insertMonitorsConfigStatement = (db: D1Database, input: { document: string; sha256: string; createdBy: string; now: Date }) => documents.insertStatement(db, input);

// ---------------------------------------------------------------------------------------------
// Heartbeat tokens (only hashes)

export async function findHeartbeatByTokenHash(db: D1Database, tokenHash: string): Promise<string | null> {
  const row = await db.prepare("SELECT heartbeat_id FROM heartbeat_tokens WHERE token_hash = ?1").bind(tokenHash).first<{ heartbeat_id: string }>();
  return row?.heartbeat_id ?? null;
}

/** A token for a heartbeat that has none yet; `meta.changes` is 0 when it already had one. */
export function insertHeartbeatTokenIfMissing(db: D1Database, heartbeatId: string, tokenHash: string, now: Date): D1PreparedStatement {
  return db
    .prepare("INSERT INTO heartbeat_tokens (heartbeat_id, token_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (heartbeat_id) DO NOTHING")
    .bind(heartbeatId, tokenHash, now.toISOString());
}

/** Replaces a heartbeat's token: the old ping URL stops working at once. */
export function replaceHeartbeatToken(db: D1Database, heartbeatId: string, tokenHash: string, now: Date): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO heartbeat_tokens (heartbeat_id, token_hash, created_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (heartbeat_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
    )
    .bind(heartbeatId, tokenHash, now.toISOString());
}

// ---------------------------------------------------------------------------------------------
// Watch state

interface StateRow {
  source: WatchSource;
  watch_id: string;
  status: Level;
  status_since: string;
  seq: number;
  run_id: string | null;
  bad_streak: number;
  down_streak: number;
  good_streak: number;
  not_down_streak: number;
  episode_key: string | null;
  component_applied: string | null;
  reference_at: string;
  last_checked_at: string | null;
  next_due_at: string | null;
  last_level: Observation | null;
  last_message: string | null;
  last_latency_ms: number | null;
  last_ping_at: string | null;
  last_ping_kind: string | null;
  last_success_at: string | null;
  last_start_at: string | null;
  last_fail_at: string | null;
}

const toWatchState = (r: StateRow): WatchState => ({
  source: r.source,
  watchId: r.watch_id,
  status: r.status,
  statusSince: r.status_since,
  seq: r.seq,
  counters: { badStreak: r.bad_streak, downStreak: r.down_streak, goodStreak: r.good_streak, notDownStreak: r.not_down_streak },
  episodeKey: r.episode_key,
  componentApplied: r.component_applied,
  referenceAt: r.reference_at,
  lastCheckedAt: r.last_checked_at,
  nextDueAt: r.next_due_at,
  lastLevel: r.last_level,
  lastMessage: r.last_message,
  lastLatencyMs: r.last_latency_ms,
  lastPingAt: r.last_ping_at,
  lastPingKind: r.last_ping_kind,
  lastSuccessAt: r.last_success_at,
  lastStartAt: r.last_start_at,
  lastFailAt: r.last_fail_at,
});

/** A state row for a newly watched monitor or heartbeat; an existing one is kept as it is. */
export function ensureStateStatement(db: D1Database, source: WatchSource, watchId: string, now: Date): D1PreparedStatement {
  return db
    .prepare("INSERT INTO watch_state (source, watch_id, status_since, reference_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (source, watch_id) DO NOTHING")
    .bind(source, watchId, now.toISOString());
}

export async function loadStates(db: D1Database, source?: WatchSource): Promise<WatchState[]> {
  const stmt = source ? db.prepare("SELECT * FROM watch_state WHERE source = ?1").bind(source) : db.prepare("SELECT * FROM watch_state");
  const { results } = await stmt.all<StateRow>();
  return results.map(toWatchState);
}

export async function loadState(db: D1Database, source: WatchSource, watchId: string): Promise<WatchState | null> {
  const row = await db.prepare("SELECT * FROM watch_state WHERE source = ?1 AND watch_id = ?2").bind(source, watchId).first<StateRow>();
  return row ? toWatchState(row) : null;
}

/**
 * Writes `next` only if the row still has the seq it was read with (`prevSeq`), and stamps it
 * with `runId`: statements later in the same batch check that stamp, so only the write that won
 * records its transition. `meta.changes` is 0 when another run got there first.
 */
export function writeStateStatement(db: D1Database, next: WatchState, prevSeq: number, runId: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE watch_state SET status = ?4, status_since = ?5, seq = ?6, run_id = ?7,
         bad_streak = ?8, down_streak = ?9, good_streak = ?10, not_down_streak = ?11,
         episode_key = ?12, last_checked_at = ?13, next_due_at = ?14, last_level = ?15, last_message = ?16,
         last_latency_ms = ?17, last_ping_at = ?18, last_ping_kind = ?19, last_success_at = ?20,
         last_start_at = ?21, last_fail_at = ?22
       WHERE source = ?1 AND watch_id = ?2 AND seq = ?3`,
    )
    .bind(
      next.source,
      next.watchId,
      prevSeq,
      next.status,
      next.statusSince,
      next.seq,
      runId,
      next.counters.badStreak,
      next.counters.downStreak,
      next.counters.goodStreak,
      next.counters.notDownStreak,
      next.episodeKey,
      next.lastCheckedAt,
      next.nextDueAt,
      next.lastLevel,
      next.lastMessage,
      next.lastLatencyMs,
      next.lastPingAt,
      next.lastPingKind,
      next.lastSuccessAt,
      next.lastStartAt,
      next.lastFailAt,
    );
}

/** Which component status this watch set last (restored on recovery only if still shown). */
export function setComponentAppliedStatement(db: D1Database, source: WatchSource, watchId: string, status: string | null): D1PreparedStatement {
  return db.prepare("UPDATE watch_state SET component_applied = ?3 WHERE source = ?1 AND watch_id = ?2").bind(source, watchId, status);
}

export async function componentAppliedBy(db: D1Database, source: WatchSource, watchId: string): Promise<string | null> {
  const row = await db.prepare("SELECT component_applied FROM watch_state WHERE source = ?1 AND watch_id = ?2").bind(source, watchId).first<{ component_applied: string | null }>();
  return row?.component_applied ?? null;
}

// ---------------------------------------------------------------------------------------------
// Transitions (the outbox of a status change's effects)

/** The transition row, inserted only if the state write stamped `runId` won (same batch). */
export function insertTransitionStatement(
  db: D1Database,
  t: { plan: TransitionPlan; source: WatchSource; watchId: string; from: Level; to: Level; reason: string; now: Date; runId: string },
): D1PreparedStatement {
  const c: ComponentMove | null = t.plan.component;
  return db
    .prepare(
      `INSERT INTO watch_transitions (id, source, watch_id, from_status, to_status, signal_key, reason, created_at, job,
         component_id, component_action, component_to, draft_wanted)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
       WHERE EXISTS (SELECT 1 FROM watch_state WHERE source = ?2 AND watch_id = ?3 AND run_id = ?14)
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(
      t.plan.id,
      t.source,
      t.watchId,
      t.from,
      t.to,
      t.plan.signalKey,
      t.reason.slice(0, 1000),
      t.now.toISOString(),
      t.plan.job ? JSON.stringify(t.plan.job) : null,
      c?.componentId ?? null,
      c?.action ?? null,
      c?.to ?? null,
      t.plan.draftWanted ? 1 : 0,
      t.runId,
    );
}

export interface TransitionRow {
  id: string;
  source: WatchSource;
  watch_id: string;
  from_status: Level;
  to_status: Level;
  signal_key: string;
  reason: string;
  created_at: string;
  job: string | null;
  claimed_at: string | null;
  job_sent_at: string | null;
  component_id: string | null;
  component_action: "worsen" | "restore" | null;
  component_to: string | null;
  component_done_at: string | null;
  draft_wanted: number;
  draft_done_at: string | null;
  attempts: number;
  last_error: string | null;
  done_at: string | null;
}

/** Transitions with effects still to carry out, oldest first (so a watch's changes stay in order). */
export async function listPendingTransitions(db: D1Database, limit: number, watch?: { source: WatchSource; watchId: string }): Promise<TransitionRow[]> {
  const stmt = watch
    ? db
        .prepare("SELECT * FROM watch_transitions WHERE done_at IS NULL AND source = ?1 AND watch_id = ?2 ORDER BY created_at, id LIMIT ?3")
        .bind(watch.source, watch.watchId, limit)
    : db.prepare("SELECT * FROM watch_transitions WHERE done_at IS NULL ORDER BY created_at, id LIMIT ?1").bind(limit);
  return (await stmt.all<TransitionRow>()).results;
}

export async function listTransitions(db: D1Database, source: WatchSource, watchId: string): Promise<TransitionRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM watch_transitions WHERE source = ?1 AND watch_id = ?2 ORDER BY created_at, id")
    .bind(source, watchId)
    .all<TransitionRow>();
  return results;
}

/** Takes the transition for one dispatcher; a claim older than `staleBefore` is taken over. */
export async function claimTransition(db: D1Database, id: string, now: Date, staleBefore: Date): Promise<boolean> {
  const r = await db
    .prepare("UPDATE watch_transitions SET claimed_at = ?2 WHERE id = ?1 AND done_at IS NULL AND (claimed_at IS NULL OR claimed_at < ?3)")
    .bind(id, now.toISOString(), staleBefore.toISOString())
    .run();
  return r.meta.changes === 1;
}

export async function markTransitionStep(db: D1Database, id: string, step: "job_sent_at" | "component_done_at" | "draft_done_at", now: Date): Promise<void> {
  // The column name comes from the closed union above, never from input.
  await db.prepare(`UPDATE watch_transitions SET ${step} = ?2 WHERE id = ?1 AND ${step} IS NULL`).bind(id, now.toISOString()).run();
}

/** Releases the claim; done once every effect is, or when given up after too many attempts. */
export async function finishTransitionAttempt(db: D1Database, id: string, now: Date, error: string | null, giveUpAfter: number): Promise<void> {
  await db
    .prepare(
      `UPDATE watch_transitions SET claimed_at = NULL,
         attempts = attempts + CASE WHEN ?3 IS NULL THEN 0 ELSE 1 END,
         last_error = COALESCE(?3, last_error),
         done_at = CASE
           WHEN (job IS NULL OR job_sent_at IS NOT NULL) AND (component_id IS NULL OR component_done_at IS NOT NULL)
                AND (draft_wanted = 0 OR draft_done_at IS NOT NULL) THEN ?2
           WHEN attempts + 1 >= ?4 AND ?3 IS NOT NULL THEN ?2
           ELSE NULL END
       WHERE id = ?1`,
    )
    .bind(id, now.toISOString(), error, giveUpAfter)
    .run();
}

// ---------------------------------------------------------------------------------------------
// Results (48 hours raw, 100 days hourly)

export function insertResultStatement(db: D1Database, r: { monitorId: string; at: Date; level: Observation; latencyMs: number | null; message: string }): D1PreparedStatement {
  return db
    .prepare("INSERT INTO monitor_results (monitor_id, checked_at, level, latency_ms, message) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(r.monitorId, r.at.toISOString(), r.level, r.latencyMs, r.message.slice(0, 1000));
}

/** Adds one result to its hour's roll-up (inconclusive results are counted as checks only). */
export function addToHourlyStatement(db: D1Database, r: { monitorId: string; at: Date; level: Observation; latencyMs: number | null }): D1PreparedStatement {
  const hour = new Date(Math.floor(r.at.getTime() / 3_600_000) * 3_600_000).toISOString();
  const failed = r.level === "down" || r.level === "degraded" ? 1 : 0;
  const latency = r.latencyMs;
  return db
    .prepare(
      `INSERT INTO monitor_hourly (monitor_id, hour, checks, failures, latency_count, latency_sum_ms, latency_max_ms)
       VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)
       ON CONFLICT (monitor_id, hour) DO UPDATE SET
         checks = checks + 1,
         failures = failures + excluded.failures,
         latency_count = latency_count + excluded.latency_count,
         latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
         latency_max_ms = CASE WHEN excluded.latency_max_ms IS NULL THEN latency_max_ms
                               ELSE MAX(COALESCE(latency_max_ms, 0), excluded.latency_max_ms) END`,
    )
    .bind(r.monitorId, hour, failed, latency === null ? 0 : 1, latency ?? 0, latency);
}

export interface ResultPoint {
  checkedAt: string;
  level: Observation;
  latencyMs: number | null;
  message: string;
}

export async function resultsSince(db: D1Database, monitorId: string, since: Date): Promise<ResultPoint[]> {
  const { results } = await db
    .prepare("SELECT checked_at, level, latency_ms, message FROM monitor_results WHERE monitor_id = ?1 AND checked_at >= ?2 ORDER BY checked_at")
    .bind(monitorId, since.toISOString())
    .all<{ checked_at: string; level: Observation; latency_ms: number | null; message: string }>();
  return results.map((r) => ({ checkedAt: r.checked_at, level: r.level, latencyMs: r.latency_ms, message: r.message }));
}

export interface HourlyPoint {
  hour: string;
  checks: number;
  failures: number;
  /** Mean latency of the hour's results that measured one; null when none did. */
  latencyAvgMs: number | null;
  latencyMaxMs: number | null;
}

export async function hourlySince(db: D1Database, monitorId: string, since: Date): Promise<HourlyPoint[]> {
  const { results } = await db
    .prepare("SELECT hour, checks, failures, latency_count, latency_sum_ms, latency_max_ms FROM monitor_hourly WHERE monitor_id = ?1 AND hour >= ?2 ORDER BY hour")
    .bind(monitorId, since.toISOString())
    .all<{ hour: string; checks: number; failures: number; latency_count: number; latency_sum_ms: number; latency_max_ms: number | null }>();
  return results.map((r) => ({
    hour: r.hour,
    checks: r.checks,
    failures: r.failures,
    latencyAvgMs: r.latency_count > 0 ? Math.round(r.latency_sum_ms / r.latency_count) : null,
    latencyMaxMs: r.latency_max_ms,
  }));
}

/** Drops raw results and hourly roll-ups past their retention. */
export async function pruneResults(db: D1Database, rawBefore: Date, hourlyBefore: Date): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM monitor_results WHERE checked_at < ?1").bind(rawBefore.toISOString()),
    db.prepare("DELETE FROM monitor_hourly WHERE hour < ?1").bind(hourlyBefore.toISOString()),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Heartbeat pings (the last 100 per heartbeat)

export const PINGS_KEPT = 100;

export function insertPingStatement(
  db: D1Database,
  p: { heartbeatId: string; kind: PingKind; exitStatus: number | null; at: Date; body: string | null; bodyBytes: number; clientHash: string | null },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO heartbeat_pings (heartbeat_id, kind, exit_status, received_at, body, body_bytes, client_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
    .bind(p.heartbeatId, p.kind, p.exitStatus, p.at.toISOString(), p.body, p.bodyBytes, p.clientHash);
}

export function prunePingsStatement(db: D1Database, heartbeatId: string): D1PreparedStatement {
  return db
    .prepare(
      `DELETE FROM heartbeat_pings WHERE heartbeat_id = ?1 AND id <=
         (SELECT id FROM heartbeat_pings WHERE heartbeat_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`,
    )
    .bind(heartbeatId, PINGS_KEPT);
}

export interface PingRow {
  id: number;
  kind: PingKind;
  exitStatus: number | null;
  receivedAt: string;
  body: string | null;
  bodyBytes: number;
}

export async function listPings(db: D1Database, heartbeatId: string, limit: number): Promise<PingRow[]> {
  const { results } = await db
    .prepare("SELECT id, kind, exit_status, received_at, body, body_bytes FROM heartbeat_pings WHERE heartbeat_id = ?1 ORDER BY id DESC LIMIT ?2")
    .bind(heartbeatId, limit)
    .all<{ id: number; kind: PingKind; exit_status: number | null; received_at: string; body: string | null; body_bytes: number }>();
  return results.map((r) => ({ id: r.id, kind: r.kind, exitStatus: r.exit_status, receivedAt: r.received_at, body: r.body, bodyBytes: r.body_bytes }));
}

// ---------------------------------------------------------------------------------------------
// Draft incidents

export type DraftState = "pending" | "publishing" | "published" | "dismissed";

export interface Draft {
  id: string;
  transitionId: string;
  source: WatchSource;
  watchId: string;
  name: string;
  impact: "none" | "minor" | "major" | "critical";
  body: string;
  components: Record<string, string>;
  state: DraftState;
  createdAt: string;
  recoveredAt: string | null;
  incidentId: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
}

interface DraftRow {
  id: string;
  transition_id: string;
  source: WatchSource;
  watch_id: string;
  name: string;
  impact: Draft["impact"];
  body: string;
  components: string;
  state: DraftState;
  created_at: string;
  recovered_at: string | null;
  incident_id: string | null;
  decided_at: string | null;
  decided_by: string | null;
}

const toDraft = (r: DraftRow): Draft => ({
  id: r.id,
  transitionId: r.transition_id,
  source: r.source,
  watchId: r.watch_id,
  name: r.name,
  impact: r.impact,
  body: r.body,
  components: JSON.parse(r.components) as Record<string, string>,
  state: r.state,
  createdAt: r.created_at,
  recoveredAt: r.recovered_at,
  incidentId: r.incident_id,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
});

export function insertDraftStatement(
  db: D1Database,
  d: { id: string; transitionId: string; source: WatchSource; watchId: string; name: string; impact: string; body: string; components: Record<string, string>; now: Date },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO monitor_drafts (id, transition_id, source, watch_id, name, impact, body, components, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (transition_id) DO NOTHING`,
    )
    .bind(d.id, d.transitionId, d.source, d.watchId, d.name, d.impact, d.body, JSON.stringify(d.components), d.now.toISOString());
}

/** Pending drafts of a watch that came back: still publishable, flagged as recovered. Runs
 * only if the state write stamped `runId` won (same batch). */
export function markDraftsRecoveredStatement(db: D1Database, source: WatchSource, watchId: string, now: Date, runId: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE monitor_drafts SET recovered_at = ?3
       WHERE source = ?1 AND watch_id = ?2 AND state = 'pending' AND recovered_at IS NULL
         AND EXISTS (SELECT 1 FROM watch_state WHERE source = ?1 AND watch_id = ?2 AND run_id = ?4)`,
    )
    .bind(source, watchId, now.toISOString(), runId);
}

export async function listDrafts(db: D1Database, state: DraftState | null, limit: number): Promise<Draft[]> {
  const stmt = state
    ? db.prepare("SELECT * FROM monitor_drafts WHERE state = ?1 ORDER BY created_at DESC LIMIT ?2").bind(state, limit)
    : db.prepare("SELECT * FROM monitor_drafts ORDER BY created_at DESC LIMIT ?1").bind(limit);
  return (await stmt.all<DraftRow>()).results.map(toDraft);
}

export async function getDraft(db: D1Database, id: string): Promise<Draft | null> {
  const row = await db.prepare("SELECT * FROM monitor_drafts WHERE id = ?1").bind(id).first<DraftRow>();
  return row ? toDraft(row) : null;
}

/** Moves a draft from one state to another; false when it was not in `from` (a second tap). */
export async function moveDraft(db: D1Database, id: string, from: DraftState, to: DraftState, p: { by?: string; now?: Date; incidentId?: string } = {}): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE monitor_drafts SET state = ?3, decided_by = COALESCE(?4, decided_by), decided_at = COALESCE(?5, decided_at),
         incident_id = COALESCE(?6, incident_id)
       WHERE id = ?1 AND state = ?2`,
    )
    .bind(id, from, to, p.by ?? null, p.now?.toISOString() ?? null, p.incidentId ?? null)
    .run();
  return r.meta.changes === 1;
}
