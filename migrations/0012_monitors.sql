-- Schema v12: monitors and heartbeats that watch the company's own servers from the edge
-- (functions/monitors/). Numbers 0006 to 0011 are other work's.

-- The configuration of monitors and heartbeats: one validated JSON document per version, the
-- newest is active (the same reasons as oncall_configs: small, read whole every minute, changed
-- atomically, validated as a whole, old versions are the audit trail and the rollback).
CREATE TABLE monitor_configs (
  version    INTEGER PRIMARY KEY AUTOINCREMENT,
  document   TEXT NOT NULL,                 -- JSON MonitorsConfig, as validated (defaults filled in)
  sha256     TEXT NOT NULL,                 -- of `document`: a PUT of the same content is a no-op
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
);

-- The secret in each heartbeat's ping URL. Only its SHA-256 is stored and pings are looked up
-- by that hash, so a stored token cannot be read back and lookup time says nothing about how
-- close a guess was. Tokens live here, not in the document: the document is exported and shown.
CREATE TABLE heartbeat_tokens (
  heartbeat_id TEXT PRIMARY KEY,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL
);

-- What each monitor (source 'monitor') and heartbeat ('heartbeat') is now: its status after
-- hysteresis, the streaks that decide the next change, and when it is due. `seq` grows with
-- every write and guards it (UPDATE ... WHERE seq = ?), so two cron runs at once never both
-- apply a change; `run_id` names the write that won, so statements in the same batch (the
-- transition row) happen only for the winner.
CREATE TABLE watch_state (
  source            TEXT NOT NULL CHECK (source IN ('monitor','heartbeat')),
  watch_id          TEXT NOT NULL,
  status            TEXT NOT NULL DEFAULT 'up' CHECK (status IN ('up','degraded','down')),
  status_since      TEXT NOT NULL,
  seq               INTEGER NOT NULL DEFAULT 0,
  run_id            TEXT,
  bad_streak        INTEGER NOT NULL DEFAULT 0,   -- results in a row that were degraded or down
  down_streak       INTEGER NOT NULL DEFAULT 0,   -- results in a row that were down
  good_streak       INTEGER NOT NULL DEFAULT 0,   -- results in a row that were up
  not_down_streak   INTEGER NOT NULL DEFAULT 0,   -- results in a row that were up or degraded
  episode_key       TEXT,                         -- the open signal's key while not up
  component_applied TEXT,                         -- the component status this watch last set
  reference_at      TEXT NOT NULL,                -- when watching began (a never-pinged heartbeat is late from here)
  last_checked_at   TEXT,
  next_due_at       TEXT,
  last_level        TEXT,
  last_message      TEXT,
  last_latency_ms   INTEGER,
  last_ping_at      TEXT,
  last_ping_kind    TEXT,
  last_success_at   TEXT,
  last_start_at     TEXT,
  last_fail_at      TEXT,
  PRIMARY KEY (source, watch_id)
);

-- One row per status change: the outbox of its side effects. Inserted in the same D1 batch as
-- the guarded state write, so a change and its effects are recorded together or not at all;
-- then the queue job is sent, the linked component changed and the draft incident written,
-- each marked done. The cron re-drives rows left undone (a crash, a failed queue send).
CREATE TABLE watch_transitions (
  id                TEXT PRIMARY KEY,            -- source:watch_id:seq, unique per change
  source            TEXT NOT NULL,
  watch_id          TEXT NOT NULL,
  from_status       TEXT NOT NULL,
  to_status         TEXT NOT NULL,
  signal_key        TEXT NOT NULL,
  reason            TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  job               TEXT,                        -- JSON of the queue job; NULL when none is due
  job_sent_at       TEXT,
  component_id      TEXT,
  component_action  TEXT CHECK (component_action IN ('worsen','restore')),
  component_to      TEXT,
  component_done_at TEXT,
  draft_wanted      INTEGER NOT NULL DEFAULT 0,
  draft_done_at     TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  claimed_at        TEXT,                        -- a dispatcher is at work (a lease, taken over when stale)
  done_at           TEXT                         -- every effect done (or given up)
);
CREATE INDEX watch_transitions_pending ON watch_transitions (done_at, created_at);
CREATE INDEX watch_transitions_by_watch ON watch_transitions (source, watch_id, created_at);

-- Every probe result, kept 48 hours (the 24-hour response-time chart reads these).
CREATE TABLE monitor_results (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  monitor_id TEXT NOT NULL,
  checked_at TEXT NOT NULL,
  level      TEXT NOT NULL CHECK (level IN ('up','degraded','down','inconclusive')),
  latency_ms INTEGER,
  message    TEXT NOT NULL
);
CREATE INDEX monitor_results_by_monitor ON monitor_results (monitor_id, checked_at);
CREATE INDEX monitor_results_by_time ON monitor_results (checked_at);

-- Hourly roll-up of results, kept 100 days (the 90-day chart and uptime read these).
CREATE TABLE monitor_hourly (
  monitor_id     TEXT NOT NULL,
  hour           TEXT NOT NULL,                  -- "2026-12-01T10:00:00.000Z" (UTC)
  checks         INTEGER NOT NULL DEFAULT 0,
  failures       INTEGER NOT NULL DEFAULT 0,     -- results that were degraded or down
  latency_count  INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms INTEGER NOT NULL DEFAULT 0,
  latency_max_ms INTEGER,
  PRIMARY KEY (monitor_id, hour)
);
CREATE INDEX monitor_hourly_by_hour ON monitor_hourly (hour);

-- Pings received, with their bounded body (a log the company's script sends along). The last
-- 100 per heartbeat are kept.
CREATE TABLE heartbeat_pings (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  heartbeat_id TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('success','start','fail')),
  exit_status  INTEGER,
  received_at  TEXT NOT NULL,
  body         TEXT,
  body_bytes   INTEGER NOT NULL DEFAULT 0,       -- size as received (the stored body may be cut)
  client_hash  TEXT                              -- salted hash of the sender's address, never the address
);
CREATE INDEX heartbeat_pings_by_heartbeat ON heartbeat_pings (heartbeat_id, id);

-- Draft incidents prepared when a monitor or heartbeat goes down, published by staff in one
-- tap (POST /api/admin/monitors/drafts/{id}/publish creates the incident).
CREATE TABLE monitor_drafts (
  id            TEXT PRIMARY KEY,
  transition_id TEXT NOT NULL UNIQUE,
  source        TEXT NOT NULL,
  watch_id      TEXT NOT NULL,
  name          TEXT NOT NULL,
  impact        TEXT NOT NULL,
  body          TEXT NOT NULL,
  components    TEXT NOT NULL,                   -- JSON {component_id: status}
  state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','publishing','published','dismissed')),
  created_at    TEXT NOT NULL,
  recovered_at  TEXT,                            -- the watch came back before anyone published
  incident_id   TEXT,
  decided_at    TEXT,
  decided_by    TEXT
);
CREATE INDEX monitor_drafts_by_state ON monitor_drafts (state, created_at);
