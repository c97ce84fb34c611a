// Storage of the inbox: staff replies on their way to the reporter (reply_deliveries), written
// in the same batch as the reply and claimed before each send, so a repeated queue delivery
// never sends twice.

export type ReplyDeliveryState = "queued" | "sending" | "sent" | "failed" | "unavailable";

export interface ReplyDelivery {
  messageId: number;
  reportId: string;
  channel: string | null;
  state: ReplyDeliveryState;
  attempts: number;
  providerId: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

interface Row {
  message_id: number;
  report_id: string;
  channel: string | null;
  state: ReplyDeliveryState;
  attempts: number;
  provider_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

const toDelivery = (r: Row): ReplyDelivery => ({
  messageId: r.message_id,
  reportId: r.report_id,
  channel: r.channel,
  state: r.state,
  attempts: r.attempts,
  providerId: r.provider_id,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  sentAt: r.sent_at,
});

/**
 * The delivery row of the reply inserted just before it in the same batch: its message id is
 * `last_insert_rowid()` (a batch runs its statements in order, in one transaction).
 */
export function insertReplyDeliveryForLastMessageStatement(
  db: D1Database,
  d: { reportId: string; channel: string | null; state: "queued" | "unavailable"; error: string | null; now: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO reply_deliveries (message_id, report_id, channel, state, error, created_at, updated_at)
       VALUES (last_insert_rowid(), ?1, ?2, ?3, ?4, ?5, ?5) RETURNING message_id`,
    )
    .bind(d.reportId, d.channel, d.state, d.error, d.now);
}

export async function findReplyDelivery(db: D1Database, messageId: number): Promise<ReplyDelivery | null> {
  const row = await db.prepare("SELECT * FROM reply_deliveries WHERE message_id = ?1").bind(messageId).first<Row>();
  return row ? toDelivery(row) : null;
}

export async function listReplyDeliveriesOf(db: D1Database, reportId: string): Promise<Map<number, ReplyDelivery>> {
  const { results } = await db.prepare("SELECT * FROM reply_deliveries WHERE report_id = ?1").bind(reportId).all<Row>();
  return new Map(results.map((r) => [r.message_id, toDelivery(r)]));
}

/**
 * Claims a reply for sending: queued, or stuck in "sending" since before `staleBefore` (the
 * invocation that claimed it died). Only one claimant wins.
 */
export async function claimReplyDelivery(db: D1Database, messageId: number, now: string, staleBefore: string): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE reply_deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?2
       WHERE message_id = ?1 AND (state = 'queued' OR (state = 'sending' AND updated_at < ?3))`,
    )
    .bind(messageId, now, staleBefore)
    .run();
  return res.meta.changes === 1;
}

export async function finishReplyDelivery(
  db: D1Database,
  messageId: number,
  outcome: { state: "sent" | "failed" | "queued"; providerId?: string | null; error?: string | null; now: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE reply_deliveries SET state = ?2, provider_id = COALESCE(?3, provider_id), error = ?4, updated_at = ?5,
         sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END
       WHERE message_id = ?1 AND state = 'sending'`,
    )
    .bind(messageId, outcome.state, outcome.providerId ?? null, outcome.error ?? null, outcome.now)
    .run();
}

/** Replies left queued or sending (their job lost): the cron sends their job again. */
export async function listStuckReplyDeliveries(db: D1Database, before: string, limit: number): Promise<number[]> {
  const { results } = await db
    .prepare("SELECT message_id FROM reply_deliveries WHERE state IN ('queued','sending') AND updated_at < ?1 ORDER BY updated_at LIMIT ?2")
    .bind(before, limit)
    .all<{ message_id: number }>();
  return results.map((r) => r.message_id);
}
