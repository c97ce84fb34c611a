-- Schema v15: the status.published event (status's outbox of its own writes), subscribers and
-- their deliveries, and the source ids of imported content. Numbers 0008 to 0014 are other work's.

-- Every staff write to the status page (and every move of the maintenance clock) writes one
-- row here in the same D1 batch as the change, so a crash between the commit and the queue
-- send cannot lose the event: the cron sweep re-sends rows not yet dispatched. `payload` is the
-- status.published job (contract/jobs.ts). `dispatched_at` is set when every registered
-- consumer has handled it.
CREATE TABLE status_events (
  id              TEXT PRIMARY KEY,          -- evt_...
  kind            TEXT NOT NULL CHECK (kind IN ('incident','maintenance','component')),
  incident_id     TEXT,
  update_id       TEXT,
  payload         TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  dispatched_at   TEXT,
  attempts        INTEGER NOT NULL DEFAULT 1, -- queue sends so far (the write's own send counts)
  last_attempt_at TEXT,
  last_error      TEXT
);
CREATE INDEX status_events_pending ON status_events (last_attempt_at) WHERE dispatched_at IS NULL;

-- Which consumer (subscribers, social, mirror, ...) has handled which event: a retried job runs
-- only the consumers that have not finished, so one failing consumer never repeats the others.
CREATE TABLE status_event_consumers (
  event_id TEXT NOT NULL REFERENCES status_events (id),
  consumer TEXT NOT NULL,
  done_at  TEXT NOT NULL,
  PRIMARY KEY (event_id, consumer)
);

-- People and systems told about incidents, maintenance and component changes. An email
-- subscriber is 'pending' until the link in the confirmation mail is followed (double opt-in);
-- webhooks, Slack and Teams are 'active' once their verification ping succeeded.
CREATE TABLE subscribers (
  id                  TEXT PRIMARY KEY,      -- sub_...
  channel             TEXT NOT NULL CHECK (channel IN ('email','webhook','slack','teams')),
  target              TEXT NOT NULL,         -- the address (lower case) or the URL
  state               TEXT NOT NULL CHECK (state IN ('pending','active','unsubscribed')),
  all_components      INTEGER NOT NULL DEFAULT 1,
  confirm_token_hash  TEXT,                  -- SHA-256 of the secret in the pending confirmation link
  confirm_expires_at  TEXT,
  secret              TEXT,                  -- webhook signing secret (shown once to the subscriber)
  client_hash         TEXT,                  -- salted hash of the client that subscribed, never the address
  created_at          TEXT NOT NULL,
  confirmed_at        TEXT,
  unsubscribed_at     TEXT,
  unsubscribe_reason  TEXT,                  -- self | one-click | bounced | failing | staff
  hard_bounces        INTEGER NOT NULL DEFAULT 0,
  soft_bounces        INTEGER NOT NULL DEFAULT 0,
  last_bounce_at      TEXT,
  permanent_failures  INTEGER NOT NULL DEFAULT 0  -- in a row (webhooks): reset by a delivery that works
);
CREATE UNIQUE INDEX subscribers_target ON subscribers (channel, target);
CREATE INDEX subscribers_audience ON subscribers (state, all_components, id);

-- Components a subscriber chose (none, with all_components = 1, means everything).
CREATE TABLE subscriber_components (
  subscriber_id TEXT NOT NULL REFERENCES subscribers (id),
  component_id  TEXT NOT NULL,
  PRIMARY KEY (subscriber_id, component_id)
);
CREATE INDEX subscriber_components_by_component ON subscriber_components (component_id, subscriber_id);

-- One row per subscriber and update told (update_id: the incident update, or the event id of a
-- component change). The row is claimed before the send, so a repeated queue delivery never
-- sends twice; failed rows are claimed again by the retry.
CREATE TABLE subscriber_deliveries (
  subscriber_id TEXT NOT NULL,
  update_id     TEXT NOT NULL,
  event_id      TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('sending','sent','failed','dropped')),
  attempts      INTEGER NOT NULL DEFAULT 1,
  claimed_at    TEXT NOT NULL,
  sent_at       TEXT,
  last_error    TEXT,
  PRIMARY KEY (subscriber_id, update_id)
);
CREATE INDEX subscriber_deliveries_by_update ON subscriber_deliveries (update_id, state);

-- What the subscribe form made us send (confirmation mails, webhook verification pings), by
-- hashed target and client: the form is a mail and request sender, so it is capped per target
-- and per client an hour (as report confirmations are).
CREATE TABLE subscription_sends (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  address_hash TEXT NOT NULL,
  client_hash  TEXT,
  sent_at      TEXT NOT NULL
);
CREATE INDEX subscription_sends_address ON subscription_sends (address_hash, sent_at);
CREATE INDEX subscription_sends_client ON subscription_sends (client_hash, sent_at);

-- Imported content (npm run hub -- import ...): the source's id of each component, group,
-- incident and update, and ours, so a second import of the same source changes nothing.
CREATE TABLE import_mappings (
  source      TEXT NOT NULL,                 -- e.g. "statuspage:status.example.com", "cstate:site"
  kind        TEXT NOT NULL CHECK (kind IN ('group','component','incident','update')),
  source_id   TEXT NOT NULL,
  local_id    TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  PRIMARY KEY (source, kind, source_id)
);
