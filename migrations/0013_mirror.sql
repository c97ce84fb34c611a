-- Schema v13: the static mirror of the public site on a second provider (functions/mirror/).
-- What each target holds is described by the manifest file in the target itself (it survives a
-- wiped database and is what the break-glass CLI reads); this table is the Worker's own
-- bookkeeping: which status version each target last received in full, when, how its last
-- attempt went, and a lease so that two publishes never interleave their uploads.
CREATE TABLE mirror_targets (
  target            TEXT PRIMARY KEY CHECK (target IN ('s3','github')),
  published_version INTEGER,               -- status_meta version of the last complete publish
  published_at      TEXT,                  -- when it completed
  last_attempt_at   TEXT,
  failures          INTEGER NOT NULL DEFAULT 0,  -- consecutive failed attempts (cron backoff)
  last_error        TEXT,
  lease_until       TEXT,                  -- a publish holds the target until then
  detail            TEXT                   -- JSON of the last publish: files, uploaded, bytes, ms
);
