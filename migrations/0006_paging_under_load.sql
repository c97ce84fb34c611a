-- Schema v6: paging that holds under floods and storms, known incidents on the report form,
-- follow-ups that reach a human, and the abuse fixes of the outside review.

-- reports: every intake channel the product has or will have (phone, SMS, X, Mastodon,
-- Bluesky), the known incident a reporter chose, and a hash of the whole submission (an
-- Idempotency-Key reused with anything different is a conflict). SQLite cannot change a CHECK
-- constraint in place: the table is rebuilt, keys deferred until the end.
PRAGMA defer_foreign_keys = true;

CREATE TABLE reports_v6 (
  id                 TEXT PRIMARY KEY,
  reference          TEXT NOT NULL UNIQUE,
  view_token_hash    TEXT NOT NULL,
  channel            TEXT NOT NULL CHECK (channel IN ('web','api','email','phone','sms','x','mastodon','bluesky')),
  channel_message_id TEXT,
  -- Idempotency-Key, scoped to the client that sent it: SHA-256 of client + key. Another
  -- client's same key is another key; it can neither replay nor block this one.
  idempotency_key    TEXT,
  submission_hash    TEXT,
  state              TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new','acknowledged','resolved')),
  urgency            TEXT NOT NULL CHECK (urgency IN ('critical','high','normal')),
  subject            TEXT NOT NULL,
  reporter_name      TEXT,
  reporter_email     TEXT,
  reporter_phone     TEXT,
  reporter_x_handle  TEXT,
  component_id       TEXT,
  incident_id        TEXT,                    -- the known incident the reporter said it is
  client_hash        TEXT,
  user_agent         TEXT,
  reporter_key       TEXT,
  text_hash          TEXT NOT NULL,
  duplicate_of       TEXT REFERENCES reports_v6 (id),
  alert_id           TEXT,
  created_at         TEXT NOT NULL,
  acknowledged_at    TEXT,
  acknowledged_by    TEXT,
  resolved_at        TEXT
);
INSERT INTO reports_v6 (id, reference, view_token_hash, channel, channel_message_id, idempotency_key, state, urgency, subject,
  reporter_name, reporter_email, reporter_phone, reporter_x_handle, component_id, client_hash, user_agent, reporter_key, text_hash,
  duplicate_of, alert_id, created_at, acknowledged_at, acknowledged_by, resolved_at)
SELECT id, reference, view_token_hash, channel, channel_message_id, idempotency_key, state, urgency, subject,
  reporter_name, reporter_email, reporter_phone, reporter_x_handle, component_id, client_hash, user_agent, reporter_key, text_hash,
  duplicate_of, alert_id, created_at, acknowledged_at, acknowledged_by, resolved_at FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v6 RENAME TO reports;
CREATE UNIQUE INDEX reports_channel_message ON reports (channel, channel_message_id) WHERE channel_message_id IS NOT NULL;
CREATE UNIQUE INDEX reports_idempotency_key ON reports (channel, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX reports_created ON reports (created_at);
CREATE INDEX reports_state_created ON reports (state, created_at);
CREATE INDEX reports_duplicates ON reports (reporter_key, text_hash, created_at);
CREATE INDEX reports_alert ON reports (alert_id);
CREATE INDEX reports_incident ON reports (incident_id) WHERE incident_id IS NOT NULL;

PRAGMA defer_foreign_keys = false;

-- alerts: the policy it pages (indexed: "is this policy busy?"), the alert whose unacknowledged
-- page holds this one back (it then reaches people in the digest, not as a page), the person
-- who acknowledged (follow-ups go to them), and the known incident it collects reports for.
ALTER TABLE alerts ADD COLUMN policy_id TEXT;
ALTER TABLE alerts ADD COLUMN held_by TEXT;
ALTER TABLE alerts ADD COLUMN acknowledged_person_id TEXT;
ALTER TABLE alerts ADD COLUMN incident_id TEXT;
CREATE INDEX alerts_held_by ON alerts (held_by) WHERE held_by IS NOT NULL;

-- The one alert of each policy that pages people now. Claimed with a conditional upsert, so
-- two alerts raised in the same instant never both page; the others are held.
CREATE TABLE policy_pagers (
  policy_id TEXT PRIMARY KEY,
  alert_id  TEXT NOT NULL,
  since     TEXT NOT NULL
);

-- deliveries: digests and follow-up notices are deliveries too (purpose 'digest', 'followup');
-- pages per person per hour are counted from here.
CREATE INDEX deliveries_by_person ON deliveries (person_id, created_at);

-- What a person will hear about in their next digest: alerts held back while they handle
-- another, alerts over their hourly page ceiling, reports about a known incident, and
-- reporter follow-ups. One row per person and alert and reason; `count` adds up repeats.
CREATE TABLE digest_items (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id   TEXT NOT NULL,
  person_name TEXT NOT NULL,
  methods     TEXT NOT NULL,                   -- JSON ContactMethod[] to reach them by
  alert_id    TEXT NOT NULL REFERENCES alerts (id),
  reason      TEXT NOT NULL CHECK (reason IN ('held','ceiling','known_incident','followup')),
  count       INTEGER NOT NULL DEFAULT 1,
  first_at    TEXT NOT NULL,
  last_at     TEXT NOT NULL,
  digest_id   TEXT                             -- set when a digest carried it
);
CREATE UNIQUE INDEX digest_items_pending ON digest_items (person_id, alert_id, reason) WHERE digest_id IS NULL;
CREATE INDEX digest_items_by_digest ON digest_items (digest_id);

-- Digests sent: at most one per person per window (claimed by a conditional insert).
CREATE TABLE digests (
  id         TEXT PRIMARY KEY,
  person_id  TEXT NOT NULL,
  sent_at    TEXT NOT NULL,
  items      INTEGER NOT NULL
);
CREATE INDEX digests_by_person ON digests (person_id, sent_at);

-- Twilio inbound message ids already handled: a replayed, validly signed "4" acknowledges
-- nothing a second time.
CREATE TABLE twilio_inbound (
  sid         TEXT PRIMARY KEY,
  received_at TEXT NOT NULL
);

-- Confirmation mails sent, by hashed recipient and client, so that intake is never a relay
-- that mails whatever address it is given as often as it is asked.
CREATE TABLE confirmation_mails (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  address_hash TEXT NOT NULL,
  client_hash  TEXT,
  sent_at      TEXT NOT NULL
);
CREATE INDEX confirmation_mails_address ON confirmation_mails (address_hash, sent_at);
CREATE INDEX confirmation_mails_client ON confirmation_mails (client_hash, sent_at);

-- outbox: re-sent with backoff, never given up; on-call is paged directly by mail (once) when
-- a stored report's job keeps not reaching the fan-out.
ALTER TABLE outbox ADD COLUMN fallback_paged_at TEXT;
