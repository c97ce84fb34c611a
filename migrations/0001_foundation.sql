-- Schema v1: staff access, audit, self-checks, and the status model.
-- Times are ISO 8601 UTC strings ("2026-11-28T11:00:00.000Z"): they sort as text and read well.

-- Staff API tokens. Only a SHA-256 of the token is stored; the token is shown once at creation.
CREATE TABLE staff_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  scopes       TEXT NOT NULL,               -- space-separated StaffScope values
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT
);

-- Who changed what, when. Every staff write appends a row.
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  actor      TEXT NOT NULL,                 -- token name, "system" or "cron"
  action     TEXT NOT NULL,                 -- e.g. "incident.create"
  target     TEXT,                          -- id of what was changed
  detail     TEXT,                          -- JSON
  created_at TEXT NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);

-- The paging path proves itself: each intake path and channel records when it last worked.
CREATE TABLE assurance_checks (
  name             TEXT PRIMARY KEY,        -- e.g. "cron", "queue", "intake:email"
  last_verified_at TEXT,
  last_error       TEXT,
  last_error_at    TEXT,
  detail           TEXT                     -- JSON: latency and such
);

-- Every inbound email as received (before parsing), so nothing sent to us is ever lost.
CREATE TABLE inbound_emails (
  id          TEXT PRIMARY KEY,
  message_id  TEXT NOT NULL UNIQUE,
  mail_from   TEXT NOT NULL,
  rcpt_to     TEXT NOT NULL,
  subject     TEXT,
  raw_size    INTEGER NOT NULL,
  raw         TEXT,                         -- the raw RFC 822 text (bounded by the handler)
  state       TEXT NOT NULL DEFAULT 'received', -- received | processed | rejected
  received_at TEXT NOT NULL
);

-- Status model (Statuspage v2 vocabulary).
CREATE TABLE component_groups (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT,
  position    INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE components (
  id                    TEXT PRIMARY KEY,
  group_id              TEXT REFERENCES component_groups (id),
  name                  TEXT NOT NULL,
  description           TEXT,
  status                TEXT NOT NULL DEFAULT 'operational' CHECK (status IN
                          ('operational','degraded_performance','partial_outage','major_outage','under_maintenance')),
  position              INTEGER NOT NULL,
  showcase              INTEGER NOT NULL DEFAULT 1,
  only_show_if_degraded INTEGER NOT NULL DEFAULT 0,
  start_date            TEXT,               -- YYYY-MM-DD from which uptime is counted
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL
);

-- Every component status change, with its time and cause: uptime history is derived from this.
CREATE TABLE component_status_changes (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES components (id),
  from_status  TEXT,
  to_status    TEXT NOT NULL,
  changed_at   TEXT NOT NULL,
  source_type  TEXT NOT NULL,               -- incident | maintenance | manual | seed
  source_id    TEXT
);
CREATE INDEX component_status_changes_by_component ON component_status_changes (component_id, changed_at);

-- Incidents and scheduled maintenances share one table, as in Statuspage: a maintenance is an
-- incident with kind 'maintenance', impact 'maintenance' and a scheduled window.
CREATE TABLE incidents (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('incident','maintenance')),
  name            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN
                    ('investigating','identified','monitoring','resolved','postmortem',
                     'scheduled','in_progress','verifying','completed')),
  impact          TEXT NOT NULL CHECK (impact IN ('none','minor','major','critical','maintenance')),
  postmortem_slug TEXT,
  scheduled_for   TEXT,
  scheduled_until TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  started_at      TEXT NOT NULL,
  monitoring_at   TEXT,
  resolved_at     TEXT
);
CREATE INDEX incidents_by_created ON incidents (kind, created_at);

CREATE TABLE incident_updates (
  id          TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  status      TEXT NOT NULL,
  body        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  display_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, display_at);

-- Components an update touched, with their status before and after.
CREATE TABLE incident_update_components (
  update_id    TEXT NOT NULL REFERENCES incident_updates (id),
  component_id TEXT NOT NULL REFERENCES components (id),
  old_status   TEXT NOT NULL,
  new_status   TEXT NOT NULL,
  PRIMARY KEY (update_id, component_id)
);

-- Components an incident or maintenance affects (over its whole life).
CREATE TABLE incident_components (
  incident_id  TEXT NOT NULL REFERENCES incidents (id),
  component_id TEXT NOT NULL REFERENCES components (id),
  PRIMARY KEY (incident_id, component_id)
);

-- Queue messages that exhausted their retries, kept for the record and for the assurance view.
CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id  TEXT NOT NULL UNIQUE,
  body        TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  received_at TEXT NOT NULL
);
