-- Schema v7: files kept in R2 (raw mail, attachments, recordings); D1 holds their metadata.
CREATE TABLE files (
  id           TEXT PRIMARY KEY,            -- f_ + 20 random characters
  r2_key       TEXT NOT NULL UNIQUE,
  report_id    TEXT,                        -- the report it belongs to (NULL until there is one)
  kind         TEXT NOT NULL CHECK (kind IN ('raw-mail','attachment','recording')),
  name         TEXT NOT NULL,               -- a safe display name (no path, no control characters)
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  detail       TEXT,                        -- JSON: e.g. a recording's duration and caller
  created_at   TEXT NOT NULL
);
CREATE INDEX files_by_report ON files (report_id);
