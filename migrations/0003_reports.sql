-- Schema v3: urgent reports from every intake channel, their threads, and the outbox that
-- guarantees each stored report reaches the fan-out queue. Times are ISO 8601 UTC strings.

CREATE TABLE reports (
  id                 TEXT PRIMARY KEY,
  -- What people read out on the phone: "R-" + 8 Crockford base32 characters.
  reference          TEXT NOT NULL UNIQUE,
  -- SHA-256 of the secret in the reporter's private link (/r/{reference}?k=...). The
  -- reference alone never opens a report.
  view_token_hash    TEXT NOT NULL,
  channel            TEXT NOT NULL CHECK (channel IN ('web','api','email','x','sms')),
  channel_message_id TEXT,                    -- e.g. email Message-ID, tweet id, form nonce
  idempotency_key    TEXT,                    -- POST /api/reports Idempotency-Key
  state              TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new','acknowledged','resolved')),
  urgency            TEXT NOT NULL CHECK (urgency IN ('critical','high','normal')),
  subject            TEXT NOT NULL,
  reporter_name      TEXT,
  reporter_email     TEXT,
  reporter_phone     TEXT,
  reporter_x_handle  TEXT,
  component_id       TEXT,                    -- a components.id when the reporter chose one
  client_hash        TEXT,                    -- salted SHA-256 of the client address, never the address
  user_agent         TEXT,
  -- Duplicate suppression: the same text (text_hash) from the same reporter (reporter_key)
  -- within minutes is stored with duplicate_of set and is NOT sent to the fan-out again.
  reporter_key       TEXT,
  text_hash          TEXT NOT NULL,
  duplicate_of       TEXT REFERENCES reports (id),
  alert_id           TEXT,                    -- set by the on-call fan-out when it groups the report
  created_at         TEXT NOT NULL,
  acknowledged_at    TEXT,
  acknowledged_by    TEXT,
  resolved_at        TEXT
);
-- The same channel message id or Idempotency-Key is the same report (idempotent intake).
CREATE UNIQUE INDEX reports_channel_message ON reports (channel, channel_message_id) WHERE channel_message_id IS NOT NULL;
CREATE UNIQUE INDEX reports_idempotency_key ON reports (channel, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_created ON reports (created_at);
CREATE INDEX reports_state_created ON reports (state, created_at);
CREATE INDEX reports_duplicates ON reports (reporter_key, text_hash, created_at);
CREATE INDEX reports_alert ON reports (alert_id);

-- A report's thread: the reporter's first message and follow-ups, staff replies, system events.
CREATE TABLE report_messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  report_id   TEXT NOT NULL REFERENCES reports (id),
  author      TEXT NOT NULL CHECK (author IN ('reporter','staff','system')),
  author_name TEXT,
  body        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX report_messages_by_report ON report_messages (report_id, id);

-- Transactional outbox: written in the same D1 batch as the report, then sent on the queue.
-- The consumer sets dispatched_at; a cron sweep re-sends rows still undispatched after a
-- minute, so a failed queue send never loses a report.
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,              -- the job type, e.g. "report.received"
  payload         TEXT NOT NULL,              -- the job, JSON
  created_at      TEXT NOT NULL,
  dispatched_at   TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0, -- queue sends so far
  last_attempt_at TEXT,
  last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (last_attempt_at) WHERE dispatched_at IS NULL;
