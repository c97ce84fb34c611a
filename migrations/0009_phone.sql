-- Schema v9: the hotline (functions/phone). Calls and SMS to the company's Twilio number become
-- reports; these tables remember what Twilio sent, so that its retries and replays never make
-- a second report, and so that a call whose recording never came is still noticed.

-- Every call the hotline answered (one row per CallSid, written when the greeting is served,
-- or later by the recording callback when storage was down at that moment).
CREATE TABLE phone_calls (
  call_sid           TEXT PRIMARY KEY,            -- CA + 32 hex digits
  from_number        TEXT NOT NULL,               -- E.164, or '' when the caller withheld it
  to_number          TEXT NOT NULL,
  answered_at        TEXT NOT NULL,
  ended_at           TEXT,                        -- from the number's call status callback
  call_status        TEXT,                        -- completed, busy, no-answer, failed, canceled
  call_duration      INTEGER,                     -- seconds, whole call
  recording_sid      TEXT UNIQUE,                 -- RE + 32 hex digits
  recording_url      TEXT,                        -- Twilio's URL, never with credentials
  recording_status   TEXT,                        -- completed, absent, failed
  recording_duration INTEGER,                     -- seconds
  file_id            TEXT,                        -- the copy in R2 (functions/files)
  copy_attempts      INTEGER NOT NULL DEFAULT 0,
  copy_error         TEXT,
  transcription_sid  TEXT UNIQUE,                 -- TR + 32 hex digits, or another provider's id
  transcript         TEXT,
  transcript_status  TEXT,                        -- completed, failed
  transcript_added   INTEGER NOT NULL DEFAULT 0,  -- 1 once it is in the report's thread
  outcome            TEXT CHECK (outcome IN ('voicemail', 'missed')),
  report_id          TEXT,
  updated_at         TEXT NOT NULL
);
-- The sweep looks for calls without a report, and recordings not yet copied.
CREATE INDEX phone_calls_without_report ON phone_calls (report_id, answered_at);
CREATE INDEX phone_calls_by_caller ON phone_calls (from_number, answered_at);

-- Every SMS the hotline took (MessageSid once), and what became of it.
CREATE TABLE phone_messages (
  message_sid  TEXT PRIMARY KEY,                  -- SM/MM + 32 hex digits
  from_number  TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('report', 'followup', 'opt-out', 'opt-in', 'help')),
  report_id    TEXT,
  replied      INTEGER NOT NULL DEFAULT 0,        -- 1 when we answered it with an SMS
  done         INTEGER NOT NULL DEFAULT 0,        -- 1 once handled (a retry of an unfinished one runs again)
  received_at  TEXT NOT NULL
);
CREATE INDEX phone_messages_by_sender ON phone_messages (from_number, received_at);

-- Numbers that texted STOP (or another opt-out word): they get no SMS from us until START.
CREATE TABLE sms_opt_outs (
  number        TEXT PRIMARY KEY,
  keyword       TEXT NOT NULL,
  opted_out_at  TEXT NOT NULL
);

-- A later SMS from the same number joins its open report: found by the reporter's phone.
CREATE INDEX reports_by_reporter_phone ON reports (reporter_phone, created_at);
