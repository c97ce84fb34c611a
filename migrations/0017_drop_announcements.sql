-- Schema v17: the console's announcement outbox (status_announcements, migration 0011) is gone.
-- It recorded "notify subscribers / post to social" for senders that were still to come; the
-- choice now travels with the status write itself (`notify` in status.published, migration
-- 0015), which the subscribers and social rooms consume, and the console shows their real
-- progress (subscriber_deliveries, social_posts). Its rows held nothing those do not.
DROP INDEX IF EXISTS status_announcements_pending;
DROP TABLE IF EXISTS status_announcements;
