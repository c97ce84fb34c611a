// When an outbox sweep sends a stored job again (a stored report's fan-out, a status event).
// Never "give up": a queue outage of an hour must still end with every stored report reaching
// on-call and every status change reaching its consumers, so the interval only grows (1, 2, 4,
// 8 minutes ... at most 15); after a few sends the report sweep also pages on-call by mail.

/** The first re-send waits this long after the send made by intake itself. */
export const OUTBOX_RESEND_AFTER_MS = 60_000;
/** The interval between re-sends stops growing here. */
export const OUTBOX_MAX_INTERVAL_MS = 15 * 60_000;
/** After this many sends without the fan-out taking the job, on-call is paged by mail (once). */
export const OUTBOX_FALLBACK_AFTER_ATTEMPTS = 3;

/** The wait after the `attempts`-th send before the next one. */
export function outboxResendInterval(attempts: number): number {
  return Math.min(OUTBOX_MAX_INTERVAL_MS, OUTBOX_RESEND_AFTER_MS * 2 ** Math.max(0, attempts - 1));
}

export function outboxResendDue(row: { attempts: number; lastAttemptAt: string | null }, now: Date): boolean {
  if (!row.lastAttemptAt) return true;
  return Date.parse(row.lastAttemptAt) + outboxResendInterval(row.attempts) <= now.getTime();
}
