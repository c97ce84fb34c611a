-- Schema v5: alerts (reports grouped for paging), their timeline, and every notification sent.
-- Times are ISO 8601 UTC strings.

-- One alert groups the reports of one problem (same component, or a similar subject, within a
-- window). It carries a snapshot of the escalation plan taken when it was raised, so a change
-- of configuration never changes who an alert already in flight pages next.
CREATE TABLE alerts (
  id                 TEXT PRIMARY KEY,
  group_key          TEXT NOT NULL,             -- "component:<id>" or "subject:<normalised words>"
  component_id       TEXT,
  channel            TEXT NOT NULL,             -- intake channel of the first report
  urgency            TEXT NOT NULL,
  subject            TEXT NOT NULL,
  first_report_id    TEXT NOT NULL,
  first_text         TEXT NOT NULL,             -- the first report's text, as paged
  report_count       INTEGER NOT NULL DEFAULT 1,
  ack_code           TEXT NOT NULL,             -- short code for "ACK <code>" replies
  state              TEXT NOT NULL DEFAULT 'triggered'
                       CHECK (state IN ('triggered','acknowledged','resolved','merged')),
  merged_into        TEXT,
  plan               TEXT,                      -- JSON EscalationPlan; NULL when nobody is routed
  level              INTEGER NOT NULL DEFAULT 0, -- index of the level paged last
  round              INTEGER NOT NULL DEFAULT 0, -- 0 = first pass through the policy
  next_escalation_at TEXT,                      -- NULL when nothing more will happen by itself
  created_at         TEXT NOT NULL,
  last_report_at     TEXT NOT NULL,
  acknowledged_at    TEXT,
  acknowledged_by    TEXT,
  resolved_at        TEXT,
  resolved_by        TEXT
);
CREATE INDEX alerts_open ON alerts (state, last_report_at);
CREATE INDEX alerts_due ON alerts (state, next_escalation_at);
CREATE INDEX alerts_ack_code ON alerts (ack_code);

-- The alert's timeline: every step (raised, report added, paged, escalated, delivered, failed,
-- acknowledged, resolved). Shown in each linked report's timeline.
CREATE TABLE alert_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id   TEXT NOT NULL REFERENCES alerts (id),
  type       TEXT NOT NULL,
  message    TEXT NOT NULL,                     -- one human sentence
  actor      TEXT,                              -- person id, staff token name, "system"
  detail     TEXT,                              -- JSON
  created_at TEXT NOT NULL
);
CREATE INDEX alert_events_by_alert ON alert_events (alert_id, id);

-- One row per page (alert + level + round): the unique key that makes a timer or a sweep that
-- fires twice page once.
CREATE TABLE alert_pages (
  alert_id  TEXT NOT NULL REFERENCES alerts (id),
  level     INTEGER NOT NULL,
  round     INTEGER NOT NULL,
  paged_at  TEXT NOT NULL,
  PRIMARY KEY (alert_id, level, round)
);

-- Every notification: the outbox row sent through the queue and its delivery record. The id
-- is alert:level:round:person:method, so a redelivered queue message finds its row and a
-- state transition decides who sends.
CREATE TABLE deliveries (
  id            TEXT PRIMARY KEY,
  alert_id      TEXT NOT NULL REFERENCES alerts (id),
  level         INTEGER NOT NULL,
  round         INTEGER NOT NULL,
  person_id     TEXT NOT NULL,
  person_name   TEXT NOT NULL,
  method_index  INTEGER NOT NULL,
  channel       TEXT NOT NULL,                  -- ContactMethod type
  target        TEXT NOT NULL,                  -- JSON ContactMethod
  purpose       TEXT NOT NULL DEFAULT 'page',   -- page | fallback | acknowledge | resolve
  state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued','sending','retrying','sent','failed','cancelled')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  provider_id   TEXT,
  error         TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  sent_at       TEXT
);
CREATE INDEX deliveries_by_alert ON deliveries (alert_id, created_at);
CREATE INDEX deliveries_by_state ON deliveries (state, updated_at);
