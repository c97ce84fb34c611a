-- Schema v10: X, Mastodon and Bluesky (functions/social/). Mentions and direct messages become
-- reports; replies, private answers and incident-update threads go out; polling keeps its place.
-- Times are ISO 8601 UTC strings.

-- A reporter's account on Mastodon (user@instance) or Bluesky (handle). X keeps its own column
-- (reporter_x_handle); the report's channel says which network a handle belongs to.
ALTER TABLE reports ADD COLUMN reporter_social_handle TEXT;

-- Where polling of each stream of each network stands. `cursor` is the committed position
-- (X since_id, Mastodon min_id, Bluesky watermark, a chat log cursor), moved only in the same
-- D1 batch that stores the messages of the page that moved it, so a failure never skips or
-- loses anything. `walk` is a pagination in progress (token and the newest id seen), resumed
-- after a rate limit or an error. `next_poll_at` holds back the next poll (rate-limit reset,
-- backoff after errors).
CREATE TABLE social_cursors (
  network        TEXT NOT NULL,
  stream         TEXT NOT NULL,
  cursor         TEXT,
  walk           TEXT,
  next_poll_at   TEXT,
  failures       INTEGER NOT NULL DEFAULT 0,
  last_polled_at TEXT,
  last_error     TEXT,
  updated_at     TEXT NOT NULL,
  PRIMARY KEY (network, stream)
);

-- Every post or direct message that reached us, by polling or by webhook, stored before
-- anything is decided: the primary key deduplicates the two paths (and webhook retries). The
-- normalised message waits in `message` until it is handled; `outcome` says what became of it.
CREATE TABLE social_inbound (
  network         TEXT NOT NULL,
  message_id      TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('mention','direct')),
  author_id       TEXT NOT NULL,
  conversation_id TEXT,
  in_reply_to_id  TEXT,
  message         TEXT NOT NULL,              -- JSON, the normalised message
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done')),
  claimed_at      TEXT,                       -- a handler working on it (a lease)
  outcome         TEXT,                       -- report | followup | ignored: <why> | failed: <why>
  report_id       TEXT,
  received_via    TEXT NOT NULL CHECK (received_via IN ('poll','webhook')),
  received_at     TEXT NOT NULL,
  handled_at      TEXT,
  PRIMARY KEY (network, message_id)
);
CREATE INDEX social_inbound_pending ON social_inbound (network, received_at) WHERE state = 'pending';
CREATE INDEX social_inbound_author ON social_inbound (network, author_id, received_at);
CREATE INDEX social_inbound_report ON social_inbound (report_id) WHERE report_id IS NOT NULL;

-- What we post: public replies, private answers (DMs) and incident-update threads. The id is
-- the deduplication key ("x:reply:<mention id>", "x:update:<update id>:2"), so a repeated run
-- never queues or sends anything twice. A send claims its row first (state 'sending').
-- Thread posts (thread_key = the incident) go out in `seq` order, each a reply to the one before.
CREATE TABLE social_posts (
  id                 TEXT PRIMARY KEY,
  network            TEXT NOT NULL,
  kind               TEXT NOT NULL CHECK (kind IN ('reply','private','update')),
  body               TEXT NOT NULL,
  has_link           INTEGER NOT NULL DEFAULT 0,
  -- Optional posts stop at the spend cap; answers to customers' direct messages never do.
  optional           INTEGER NOT NULL DEFAULT 1,
  reply_to           TEXT,                    -- the network's id of the post answered
  reply_ref          TEXT,                    -- JSON: what else a reply needs (Bluesky refs, Mastodon visibility)
  recipient_id       TEXT,                    -- private answers: the account written to
  recipient_handle   TEXT,
  thread_key         TEXT,
  seq                INTEGER NOT NULL DEFAULT 0,
  report_id          TEXT,
  incident_id        TEXT,
  incident_update_id TEXT,
  state              TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sending','sent','failed','skipped')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    TEXT,
  claimed_at         TEXT,
  remote_id          TEXT,                    -- the network's id of what we posted (X post id, Mastodon status id, at:// uri)
  remote_ref         TEXT,                    -- Bluesky: the post's cid (reply refs need uri and cid)
  last_error         TEXT,
  created_at         TEXT NOT NULL,
  sent_at            TEXT
);
CREATE INDEX social_posts_due ON social_posts (network, state, next_attempt_at);
CREATE INDEX social_posts_thread ON social_posts (network, thread_key, seq) WHERE thread_key IS NOT NULL;
CREATE INDEX social_posts_remote ON social_posts (network, remote_id) WHERE remote_id IS NOT NULL;
CREATE INDEX social_posts_report ON social_posts (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX social_posts_created ON social_posts (network, kind, created_at);

-- Billable API use per network, month (YYYY-MM, UTC) and metric (post_read, user_read,
-- dm_read, post_create, post_create_url, dm_create): X is paid per use, and the operator's
-- monthly cap is checked against these counts.
CREATE TABLE social_usage (
  network TEXT NOT NULL,
  month   TEXT NOT NULL,
  metric  TEXT NOT NULL,
  count   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (network, month, metric)
);

-- A network's login that must outlive one invocation: Bluesky's session (createSession is
-- limited to a few hundred a day, so its tokens are kept and refreshed, not re-created).
CREATE TABLE social_sessions (
  network    TEXT PRIMARY KEY,
  data       TEXT NOT NULL,                   -- JSON
  updated_at TEXT NOT NULL
);
