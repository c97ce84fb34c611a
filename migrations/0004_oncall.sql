-- Schema v4: the on-call configuration (people, rotations, escalation policies, routing).
-- The validated document is stored whole, one row per version; the newest row is the active
-- configuration. Why one JSON document and no normalised tables: the document is small (a few
-- KB), is always read whole (to resolve a plan when an alert is raised), must change atomically
-- (a half-applied rotation change pages the wrong person), and is validated as a whole by one
-- schema (contract/oncall.ts) whose cross-references D1 constraints could not express anyway.
-- Old versions stay for the audit trail and for rolling back with `npm run oncall -- pull`.
CREATE TABLE oncall_configs (
  version    INTEGER PRIMARY KEY AUTOINCREMENT,
  document   TEXT NOT NULL,                 -- JSON OncallConfig, as validated (defaults filled in)
  sha256     TEXT NOT NULL,                 -- of `document`: a push of the same content is a no-op
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL                  -- staff token name, "cli" or "seed"
);
