-- Assurance watch (functions/assurance/watch): the history of every check, drift alerts, the
-- weekly human-path check, the weekly summary, and reports as a signal on the status page.

-- One row per outcome of a check. Written by triggers on assurance_checks, so every writer of
-- recordCheckSuccess / recordCheckFailure (canaries, cron, queue, doctor, intake) feeds the
-- history without knowing about it: drift ("failed twice in a row") and the weekly summary
-- ("verified 672 of 672 times") read it. Kept 35 days.
CREATE TABLE assurance_check_runs (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  name  TEXT NOT NULL,
  at    TEXT NOT NULL,
  ok    INTEGER NOT NULL CHECK (ok IN (0, 1)),
  error TEXT
);
CREATE INDEX assurance_check_runs_by_name ON assurance_check_runs (name, at);
CREATE INDEX assurance_check_runs_by_time ON assurance_check_runs (at);

CREATE TRIGGER assurance_checks_ok_inserted AFTER INSERT ON assurance_checks
WHEN NEW.last_verified_at IS NOT NULL
BEGIN
  INSERT INTO assurance_check_runs (name, at, ok) VALUES (NEW.name, NEW.last_verified_at, 1);
END;

CREATE TRIGGER assurance_checks_failed_inserted AFTER INSERT ON assurance_checks
WHEN NEW.last_error_at IS NOT NULL
BEGIN
  INSERT INTO assurance_check_runs (name, at, ok, error) VALUES (NEW.name, NEW.last_error_at, 0, NEW.last_error);
END;

CREATE TRIGGER assurance_checks_ok_updated AFTER UPDATE OF last_verified_at ON assurance_checks
WHEN NEW.last_verified_at IS NOT NULL AND NEW.last_verified_at IS NOT OLD.last_verified_at
BEGIN
  INSERT INTO assurance_check_runs (name, at, ok) VALUES (NEW.name, NEW.last_verified_at, 1);
END;

CREATE TRIGGER assurance_checks_failed_updated AFTER UPDATE OF last_error_at ON assurance_checks
WHEN NEW.last_error_at IS NOT NULL AND NEW.last_error_at IS NOT OLD.last_error_at
BEGIN
  INSERT INTO assurance_check_runs (name, at, ok, error) VALUES (NEW.name, NEW.last_error_at, 0, NEW.last_error);
END;

-- One row per broken thing (key "check:intake:email", "secret:TWILIO_AUTH_TOKEN", ...): the
-- signal is raised only by the run that opened the row, so a drift pages once until it recovers.
CREATE TABLE assurance_drifts (
  key          TEXT PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('check','secret','forward','cursor','silence')),
  subject      TEXT NOT NULL,
  opened_at    TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  closed_at    TEXT                                  -- NULL while open
);
CREATE INDEX assurance_drifts_open ON assurance_drifts (closed_at);

-- Secrets seen configured at least once: one that disappears later is drift.
CREATE TABLE assurance_secrets_seen (
  name          TEXT PRIMARY KEY,
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL
);

-- The weekly human-path check: a test page on-call must acknowledge within a window.
CREATE TABLE assurance_human_checks (
  id          TEXT PRIMARY KEY,
  slot        TEXT NOT NULL UNIQUE,                   -- the scheduled time it stands for
  started_at  TEXT NOT NULL,
  due_at      TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('waiting','acknowledged','unacknowledged')),
  finished_at TEXT,
  detail      TEXT
);

-- The weekly summary mail, once per week (the row is the claim).
CREATE TABLE assurance_summaries (
  week_start TEXT PRIMARY KEY,
  sent_at    TEXT NOT NULL,
  recipients INTEGER NOT NULL
);

-- Reports as a signal: a component opted in says so on the page by itself; staff can also show
-- it for one component or one alert with one tap, until a set time.
CREATE TABLE report_signal_settings (
  component_id TEXT PRIMARY KEY,
  opted_in     INTEGER NOT NULL DEFAULT 0 CHECK (opted_in IN (0, 1)),
  updated_at   TEXT NOT NULL
);
CREATE TABLE report_signal_shown (
  subject_key TEXT PRIMARY KEY,                       -- "component:<id>" or "alert:<id>"
  label       TEXT NOT NULL,                          -- what the page names (component name, staff's words)
  shown_by    TEXT NOT NULL,
  shown_at    TEXT NOT NULL,
  until       TEXT NOT NULL
);
