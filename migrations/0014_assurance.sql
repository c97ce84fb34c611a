-- Schema v14: the path canary (functions/canary/). Every quarter hour a synthetic report goes
-- through each intake path. It is marked at intake, by an unguessable probe id it carries, so
-- that it is stored, queued and grouped like any report but never pages anyone, never shows in
-- the inbox, never counts towards storms or digests.

-- One synthetic report the canary sent: which path, the marker it carries, and how far it got.
CREATE TABLE canary_probes (
  id                 TEXT PRIMARY KEY,          -- 32 hex: the marker in the report's text
  run_id             TEXT NOT NULL,
  path               TEXT NOT NULL,             -- the intake channel (web, api, email, ...)
  -- Paths whose text the canary cannot choose (a missed call) are matched by their channel
  -- message id instead (call:<CallSid>).
  channel_message_id TEXT UNIQUE,
  report_id          TEXT,                      -- set by intake when the probe arrived
  created_at         TEXT NOT NULL,
  expires_at         TEXT NOT NULL,             -- a marker is honoured until then, once
  verified_at        TEXT                       -- the fan-out reached its send step
);
CREATE INDEX canary_probes_run ON canary_probes (run_id);
CREATE INDEX canary_probes_created ON canary_probes (created_at);

-- A report the canary sent: kept for the record, left out of every staff list and every count.
ALTER TABLE reports ADD COLUMN synthetic INTEGER NOT NULL DEFAULT 0;
