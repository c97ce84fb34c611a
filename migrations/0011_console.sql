-- Schema v11: the staff console. People who sign in (with passkeys, Cloudflare Access or a
-- staff token), their sessions, one-time invitations, failed sign-ins (rate limit), the
-- audit log's who/before/after, staff replies going out through the reporter's channel, and
-- what staff chose to announce with each status update. Times are ISO 8601 UTC strings.

-- A person who signs in to the console. Their role is a set of token scopes (contract/staff.ts).
CREATE TABLE staff_members (
  id               TEXT PRIMARY KEY,          -- stf_ + 16 random characters
  display_name     TEXT NOT NULL COLLATE NOCASE UNIQUE, -- shown to reporters and in the audit log
  email            TEXT UNIQUE,               -- lower-case; how Cloudflare Access names them
  role             TEXT NOT NULL CHECK (role IN ('responder','publisher','admin')),
  oncall_person_id TEXT,                      -- their id in the on-call document, if any
  created_at       TEXT NOT NULL,
  created_by       TEXT NOT NULL,
  disabled_at      TEXT                       -- a disabled member cannot sign in; sessions end
);

-- WebAuthn credentials (passkeys). Only public keys are stored.
CREATE TABLE staff_passkeys (
  id           TEXT PRIMARY KEY,              -- the credential id, base64url
  member_id    TEXT NOT NULL REFERENCES staff_members (id),
  public_key   TEXT NOT NULL,                 -- COSE public key, base64url
  counter      INTEGER NOT NULL,              -- signature counter (0 for most passkeys)
  transports   TEXT,                          -- JSON array, e.g. ["internal","hybrid"]
  device_type  TEXT,                          -- singleDevice | multiDevice
  backed_up    INTEGER NOT NULL DEFAULT 0,
  label        TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  last_used_at TEXT
);
CREATE INDEX staff_passkeys_by_member ON staff_passkeys (member_id);

-- One-time invitation links (/admin/invite/{token}): only the token's SHA-256 is stored.
CREATE TABLE staff_invites (
  id         TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  member_id  TEXT NOT NULL REFERENCES staff_members (id),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
);
CREATE INDEX staff_invites_by_member ON staff_invites (member_id);

-- Console sessions. The cookie holds a random secret; only its SHA-256 is stored. The secret
-- is rotated while the session is used (the previous one stays valid for a short grace, so
-- requests already on their way do not fail); the CSRF token is per session.
CREATE TABLE staff_sessions (
  id                  TEXT PRIMARY KEY,
  token_hash          TEXT NOT NULL UNIQUE,
  previous_token_hash TEXT,
  rotated_at          TEXT NOT NULL,
  member_id           TEXT REFERENCES staff_members (id),
  token_id            TEXT,                   -- the staff token exchanged for it (token sign-in)
  name                TEXT NOT NULL,          -- who, as shown (display name or token name)
  method              TEXT NOT NULL CHECK (method IN ('passkey','token','access')),
  csrf_token          TEXT NOT NULL,
  created_at          TEXT NOT NULL,
  last_seen_at        TEXT NOT NULL,
  idle_expires_at     TEXT NOT NULL,
  expires_at          TEXT NOT NULL,          -- absolute end
  revoked_at          TEXT,
  user_agent          TEXT
);
CREATE INDEX staff_sessions_previous ON staff_sessions (previous_token_hash) WHERE previous_token_hash IS NOT NULL;
CREATE INDEX staff_sessions_by_member ON staff_sessions (member_id);

-- WebAuthn challenges, each used once and only within minutes.
CREATE TABLE webauthn_challenges (
  id         TEXT PRIMARY KEY,
  challenge  TEXT NOT NULL,
  purpose    TEXT NOT NULL CHECK (purpose IN ('register','authenticate')),
  member_id  TEXT,                            -- registration: whose passkey
  invite_id  TEXT,                            -- registration through an invitation
  origin     TEXT NOT NULL,                   -- the console origin the ceremony started on
  expires_at TEXT NOT NULL
);

-- Failed sign-ins per client (salted hash of the address, never the address): the limit.
CREATE TABLE signin_failures (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  client_hash TEXT NOT NULL,
  method      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX signin_failures_by_client ON signin_failures (client_hash, created_at);

-- The audit log says who (a stable id besides the name), and the state before and after.
ALTER TABLE audit_log ADD COLUMN actor_id TEXT;
ALTER TABLE audit_log ADD COLUMN before_state TEXT;  -- JSON
ALTER TABLE audit_log ADD COLUMN after_state TEXT;   -- JSON
CREATE INDEX audit_log_by_target ON audit_log (target, created_at);

-- A staff reply to a reporter going out through the channel they used (email for the form).
-- The row is written in the same batch as the reply; a queue job sends it, claimed first so
-- a repeated delivery never sends twice; the cron re-sends rows left behind.
CREATE TABLE reply_deliveries (
  message_id  INTEGER PRIMARY KEY REFERENCES report_messages (id),
  report_id   TEXT NOT NULL REFERENCES reports (id),
  channel     TEXT,                           -- the channel it goes out by; NULL: none can
  state       TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed','unavailable')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  provider_id TEXT,
  error       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  sent_at     TEXT
);
CREATE INDEX reply_deliveries_pending ON reply_deliveries (state, updated_at) WHERE state IN ('queued','sending');

-- What staff chose to announce with a status update: notify subscribers, post to the social
-- accounts. The subscriber and social senders consume these rows (an outbox: each sets its
-- *_done_at when it has handed the update on); until they exist the choice is kept here.
CREATE TABLE status_announcements (
  update_id          TEXT PRIMARY KEY REFERENCES incident_updates (id),
  incident_id        TEXT NOT NULL REFERENCES incidents (id),
  notify_subscribers INTEGER NOT NULL CHECK (notify_subscribers IN (0, 1)),
  post_social        INTEGER NOT NULL CHECK (post_social IN (0, 1)),
  requested_by       TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  subscribers_done_at TEXT,
  social_done_at      TEXT
);
CREATE INDEX status_announcements_pending ON status_announcements (created_at)
  WHERE (notify_subscribers = 1 AND subscribers_done_at IS NULL) OR (post_social = 1 AND social_done_at IS NULL);

-- A staff token may belong to a member: what it writes is theirs (their name under replies).
ALTER TABLE staff_tokens ADD COLUMN member_id TEXT REFERENCES staff_members (id);
