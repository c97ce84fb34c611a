-- Schema v8: inbound email as a real intake channel. The raw mail moves to R2 (the files room,
-- kind 'raw-mail'); inbound_emails keeps what was received, what was done with it and why.
-- `raw` stays for rows stored before this version: the email sweep moves them to R2 and
-- clears it (new rows never fill it).
ALTER TABLE inbound_emails ADD COLUMN header_from TEXT;          -- the From header's address
ALTER TABLE inbound_emails ADD COLUMN intake_address TEXT;       -- the EMAIL_INTAKE address it was handled as
ALTER TABLE inbound_emails ADD COLUMN raw_file_id TEXT;          -- files.id of the raw mail in R2
-- What it turned out to be: report | followup | ack | page-reply | bounce | auto-reply | loop |
-- status-update | refused | failed (set when processed; NULL while 'received').
ALTER TABLE inbound_emails ADD COLUMN kind TEXT;
ALTER TABLE inbound_emails ADD COLUMN report_id TEXT;
ALTER TABLE inbound_emails ADD COLUMN forwards TEXT;             -- JSON [{to, ok, error?}]
ALTER TABLE inbound_emails ADD COLUMN detail TEXT;               -- JSON: what processing found
ALTER TABLE inbound_emails ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_emails ADD COLUMN claimed_at TEXT;           -- a processor's lease (stale after minutes)
ALTER TABLE inbound_emails ADD COLUMN processed_at TEXT;
ALTER TABLE inbound_emails ADD COLUMN error TEXT;
CREATE INDEX inbound_emails_state ON inbound_emails (state, received_at);
CREATE INDEX inbound_emails_received ON inbound_emails (received_at);
CREATE INDEX inbound_emails_kind ON inbound_emails (kind, received_at);

-- The Message-IDs of mail we sent about a report (auto-replies, confirmations, staff replies):
-- a reply whose In-Reply-To or References names one joins that report's thread. Ids are the
-- ones the send_email binding returned (Cloudflare sets Message-ID itself).
CREATE TABLE sent_mail (
  message_id TEXT PRIMARY KEY,
  report_id  TEXT,
  purpose    TEXT NOT NULL,                  -- auto-reply | confirmation | staff-reply | status-confirmation
  created_at TEXT NOT NULL
);
CREATE INDEX sent_mail_by_report ON sent_mail (report_id);

-- At most one auto-reply per sender per window: claimed with a conditional upsert, so a
-- thousand mails arriving at once still answer once.
CREATE TABLE email_auto_replies (
  address_hash TEXT PRIMARY KEY,             -- SHA-256 of the lower-cased address, never the address
  last_sent_at TEXT NOT NULL
);

-- Page mails carry their delivery's Message-ID (deliveries.provider_id): a bounce of one finds it.
CREATE INDEX deliveries_by_provider_id ON deliveries (provider_id) WHERE provider_id IS NOT NULL;
